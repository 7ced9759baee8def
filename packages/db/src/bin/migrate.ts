/** `npm run db:migrate`: applies pending migrations to DATABASE_URL. */
import { createSql } from '../client.js';
import { migrate } from '../migrate.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lunas';
const sql = createSql({ url, applicationName: 'lunas-migrate', max: 1 });
try {
  const { applied } = await migrate(sql);
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
} catch (error) {
  console.error(`migration failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
