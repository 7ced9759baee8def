import { describe, expect, it } from 'vitest';
import { loadMigrations } from './migrate.js';
import { tablesCreatedBy } from './preflight.js';
import { quoteSchema } from './schema.js';

describe('tablesCreatedBy', () => {
  it('reads the tables and declared columns of the released migrations', async () => {
    const migrations = await loadMigrations();
    const init = migrations.find((m) => m.version === 1);
    const tables = tablesCreatedBy(init?.sql ?? '');
    expect([...tables.keys()]).toEqual(['orders', 'order_payments', 'core_payment_sync_logs']);
    expect(tables.get('orders')).toEqual([
      'id',
      'order_code',
      'status',
      'total_amount',
      'currency',
      'paid_at',
      'created_at',
      'updated_at',
    ]);
    expect(tables.get('core_payment_sync_logs')).toContain('reversal');
    const refunds = tablesCreatedBy(migrations.find((m) => m.version === 4)?.sql ?? '');
    expect(refunds.get('payment_refunds')).toContain('identity');
    expect(refunds.get('payment_refunds')).not.toContain('unique');
  });
});

describe('quoteSchema', () => {
  it('quotes plain identifiers and refuses anything else', () => {
    expect(quoteSchema('lunas')).toBe('"lunas"');
    expect(() => quoteSchema('lunas"; DROP TABLE orders; --')).toThrow(/DATABASE_SCHEMA/);
    expect(() => quoteSchema('Lunas')).toThrow(/DATABASE_SCHEMA/);
  });
});
