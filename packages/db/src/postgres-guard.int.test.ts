// The postinstall guard (scripts/patch-postgres.mjs) keeps a dropped connection from killing
// the process: porsager/postgres#1208's reproduction must reject, not crash.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.js';
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
    try {
      const reserved = await sql.reserve();
      const [row] = await reserved<{ pid: number }[]>`SELECT pg_backend_pid() AS pid`;
      await killer`SELECT pg_terminate_backend(${row!.pid})`;
      await expect(reserved`SELECT 1`).rejects.toThrow();
      // Unpatched, the next writes on this connection throw from a timer and the process dies.
      // Patched, the driver still leaves the first of them pending (an upstream issue of
      // reserved connections), and rejects the one after it.
      const second = reserved`SELECT 1`.catch((error: unknown) => error);
      await expect(reserved`SELECT 1`).rejects.toMatchObject({ code: 'CONNECTION_CLOSED' });
      void second;
      reserved.release();
      // The pool recovers: a dead connection may fail one query, then a fresh one answers.
      const one = async () => (await sql<{ one: number }[]>`SELECT 1 AS one`)[0]?.one;
      expect(await one().catch(() => one())).toBe(1);
    } finally {
      await sql.end({ timeout: 5 });
      await killer.end({ timeout: 5 });
    }
  });
});
