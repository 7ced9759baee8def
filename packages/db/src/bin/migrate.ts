/**
 * `npm run db:migrate` (compiled: `node packages/db/dist/bin/migrate.js`, the compose `migrate`
 * service): applies pending migrations to DATABASE_URL. A failure prints one line that names
 * DATABASE_URL, never its value, and exits 1.
 */
import { createSql } from '../client.js';
import { migrate } from '../migrate.js';
import { toDatabaseStartError } from '../migrate-on-start.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lunas';
const sql = createSql({ url, applicationName: 'lunas-migrate', max: 1 });
try {
  const { applied } = await migrate(sql);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
} catch (error) {
  console.error(`migration failed: ${toDatabaseStartError(error).message}`);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
