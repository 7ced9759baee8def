export {
  createSql,
  runTx,
  type Sql,
  type TransactionSql,
  type CreateSqlOptions,
  type DbLogger,
} from './client.js';
export {
  migrate,
  loadMigrations,
  migrationLockKey,
  type Migration,
  type MigrateOptions,
  type MigrateResult,
} from './migrate.js';
export { PreflightError, preflightConflicts, tablesCreatedBy } from './preflight.js';
export { quoteSchema, SCHEMA_NAME, SHOP_ORDERS_MODES, type ShopOrdersMode } from './schema.js';
export { ensureDatabase } from './ensure-database.js';
export { DatabaseStartError, migrateOnStart, toDatabaseStartError } from './migrate-on-start.js';
export * from './errors.js';
export * from './repositories/payments.js';
export * from './repositories/payment-batch.js';
export * from './repositories/sync-logs.js';
export * from './repositories/reconcile.js';
export * from './repositories/ops.js';
export * from './repositories/admin-audit.js';
export * from './repositories/events.js';
export * from './repositories/shop-orders.js';
