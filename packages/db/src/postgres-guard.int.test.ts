// The postinstall guard (scripts/patch-postgres.mjs) keeps a dropped connection from killing
// the process: porsager/postgres#1208's reproduction must reject, not crash.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.js';
import { waitFor } from '../../../test/harness/wait-for.js';
import { withTimeout } from '@lunas/core';
import { createSql } from './client.js';

let db: TestDatabase;
beforeAll(async () => {
  db = await createTestDatabase('guard');
});
afterAll(async () => {
  await db.drop();
});

describe('postgres.js nextWrite guard', () => {
  it('is installed in the driver that Lunas loads', () => {
    const connection = readFileSync(
      fileURLToPath(new URL('./connection.js', import.meta.resolve('postgres'))),
      'utf8',
    );
    expect(connection).toContain('lunas: nextWrite guard');
  });

  it('turns a write on a connection whose backend was terminated into a rejection', async () => {
    const sql = createSql({ url: db.url, applicationName: 'lunas-guard-test', max: 2 });
    const killer = createSql({ url: db.url, applicationName: 'lunas-guard-killer', max: 1 });
    // Every step is bounded: the driver has other, unpatched ways to leave a query pending on
    // a dead reserved connection, and this test is about the crash, not those.
    const settle = (query: Promise<unknown>, ms = 5_000) =>
      withTimeout(
        query.then(
          () => 'resolved',
          (error: unknown) => (error as { code?: string }).code ?? 'rejected',
        ),
        ms,
      ).catch(() => 'pending');
    try {
      const reserved = await sql.reserve();
      const [row] = await reserved<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      await killer`SELECT pg_terminate_backend(${row!.pid})`;
      expect(await settle(reserved`SELECT 1`)).not.toBe('resolved');
      // Once the driver has noticed the close (its timing varies with load), a write on this
      // connection finds no socket. Unpatched, that write throws from a timer and the whole
      // process (this test file) dies; patched, the query rejects with CONNECTION_CLOSED.
      // Writes issued before the driver noticed may stay pending (an upstream issue of reserved
      // connections), so keep trying, bounded.
      const outcome = await waitFor(
        async () => {
          const result = await settle(reserved`SELECT 1`, 500);
          return result === 'CONNECTION_CLOSED' ? result : null;
        },
        { timeoutMs: 20_000, intervalMs: 100, what: 'a query on the dead connection rejected' },
      );
      expect(outcome).toBe('CONNECTION_CLOSED');
    } finally {
      await withTimeout(sql.end({ timeout: 1 }), 5_000).catch(() => undefined);
      await killer.end({ timeout: 1 });
    }
  });
});
