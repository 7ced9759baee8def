/**
 * `npm run db:migrate` (compiled: `node packages/db/dist/bin/migrate.js`, the compose `migrate`
 * service): applies pending migrations to DATABASE_URL. A failure prints one line that names
 * DATABASE_URL, never its value, and exits 1. DATABASE_SCHEMA and SHOP_ORDERS as for the processes.
 */
import { createSql } from '../client.js';
import { migrate } from '../migrate.js';
import { toDatabaseStartError } from '../migrate-on-start.js';
import { SCHEMA_NAME, SHOP_ORDERS_MODES, type ShopOrdersMode } from '../schema.js';

const url = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/lunas';
const schema = process.env.DATABASE_SCHEMA || 'public';
const shopOrders = (process.env.SHOP_ORDERS || 'builtin') as ShopOrdersMode;
if (!SCHEMA_NAME.test(schema) || !SHOP_ORDERS_MODES.includes(shopOrders)) {
  console.error(
    'migration failed: DATABASE_SCHEMA must be a lower-case identifier and SHOP_ORDERS builtin or adapter',
  );
  process.exit(78);
}
const sql = createSql({ url, applicationName: 'lunas-migrate', max: 1, schema });
try {
  const { applied } = await migrate(sql, { schema, shopOrders });
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'schema is up to date');
} catch (error) {
  console.error(`migration failed: ${toDatabaseStartError(error).message}`);
  process.exitCode = 1;
} finally {
  await sql.end({ timeout: 5 });
}
