import { mkdtemp, readFile, writeFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../../../test/harness/db.js';
import { createSql } from './client.js';
import { migrate } from './migrate.js';

// createTestDatabase() migrates already; these tests use a second, empty database.
let db: TestDatabase;
let emptyUrl: string;
beforeAll(async () => {
  db = await createTestDatabase('mig');
  emptyUrl = db.url.replace(/lunas_mig_/, 'lunas_migempty_');
  await db.sql.unsafe(`CREATE DATABASE "${new URL(emptyUrl).pathname.slice(1)}"`);
});
afterAll(async () => {
  await db.sql.unsafe(`DROP DATABASE IF EXISTS "${new URL(emptyUrl).pathname.slice(1)}" WITH (FORCE)`);
  await db.drop();
});

describe('migrate', () => {
  it('applies each migration once when five processes run it at the same moment', async () => {
    const clients = Array.from({ length: 5 }, () =>
      createSql({ url: emptyUrl, applicationName: 'lunas-mig-test', max: 1 }),
    );
    try {
      const results = await Promise.all(clients.map((sql) => migrate(sql)));
      const applied = results.flatMap((r) => r.applied);
      const files = (await readdir(fileURLToPath(new URL('./migrations/', import.meta.url)))).filter((f) =>
        f.endsWith('.sql'),
      );
      expect(applied.sort()).toEqual(files.map((f) => f.replace(/\.sql$/, '')).sort());
      const [first] = clients;
      const rows = await first!`SELECT version FROM lunas_schema_migrations ORDER BY version`;
      expect(rows).toHaveLength(files.length);
      expect((await migrate(first!)).applied).toEqual([]);
    } finally {
      await Promise.all(clients.map((sql) => sql.end({ timeout: 5 })));
    }
  });

  it('refuses to run when a released migration was edited', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lunas-mig-'));
    const source = fileURLToPath(new URL('./migrations/', import.meta.url));
    for (const file of await readdir(source)) {
      await writeFile(join(dir, file), await readFile(join(source, file), 'utf8'));
    }
    await writeFile(
      join(dir, '0001_init.sql'),
      `${await readFile(join(dir, '0001_init.sql'), 'utf8')}\n-- edited\n`,
    );
    await expect(migrate(db.sql, { dir })).rejects.toThrow(/0001_init changed after it was applied/);
  });
});
