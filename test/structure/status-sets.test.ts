/**
 * The payment-status sets written into SQL (repositories and migrations) are core's sets
 * (packages/core/src/payment-state.ts), not copies that may drift. Every literal list of
 * payment statuses in packages/db must be one of the named sets below, and the due-payment
 * query must use exactly the predicate of its partial index (else Postgres cannot use it).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  FAILED_STATUSES,
  FINAL_STATUSES,
  OPEN_STATUSES,
  PAID_BRANCH_STATUSES,
  PAYMENT_STATUSES,
  type PaymentStatus,
} from '@lunas/core';
import { describe, expect, it } from 'vitest';

const dbSrc = fileURLToPath(new URL('../../packages/db/src/', import.meta.url));

const minus = (a: ReadonlySet<PaymentStatus>, b: ReadonlySet<PaymentStatus>) =>
  [...a].filter((s) => !b.has(s));
const both = (a: ReadonlySet<PaymentStatus>, b: ReadonlySet<PaymentStatus>) => [...a].filter((s) => b.has(s));

/** The sets SQL may spell out, by name. */
const NAMED_SETS: Record<string, readonly PaymentStatus[]> = {
  OPEN_STATUSES: [...OPEN_STATUSES],
  PAID_BRANCH_STATUSES: [...PAID_BRANCH_STATUSES],
  FAILED_STATUSES: [...FAILED_STATUSES],
  FINAL_STATUSES: [...FINAL_STATUSES],
  'PAID_BRANCH_STATUSES without FINAL_STATUSES (money still held)': minus(
    PAID_BRANCH_STATUSES,
    FINAL_STATUSES,
  ),
  'PAID_BRANCH_STATUSES and FINAL_STATUSES (money all back)': both(PAID_BRANCH_STATUSES, FINAL_STATUSES),
};

interface StatusList {
  readonly where: string;
  readonly statuses: string[];
}

function filesUnder(dir: string, ext: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith(ext) && !f.endsWith('.test.ts'))
    .map((f) => join(dir, f));
}

/** Every quoted list of two or more payment statuses: `payment_status IN ('A', 'B')`, or `['A', 'B']`. */
function statusLists(): StatusList[] {
  const lists: StatusList[] = [];
  const statusWord = `'(?:${PAYMENT_STATUSES.join('|')})'`;
  const list = new RegExp(`[([]\\s*(${statusWord}(?:\\s*,\\s*${statusWord})+)\\s*[)\\]]`, 'g');
  for (const file of [
    ...filesUnder(join(dbSrc, 'repositories'), '.ts'),
    ...filesUnder(join(dbSrc, 'migrations'), '.sql'),
  ]) {
    readFileSync(file, 'utf8')
      .split('\n')
      .forEach((line, index) => {
        for (const match of line.matchAll(list)) {
          lists.push({
            where: `${file.slice(dbSrc.length)}:${index + 1}`,
            statuses: (match[1] ?? '').split(',').map((s) => s.trim().replace(/'/g, '')),
          });
        }
      });
  }
  return lists;
}

const sameSet = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && new Set(a).size === a.length && a.every((s) => b.includes(s));

function nameOf(statuses: readonly string[]): string | null {
  return Object.entries(NAMED_SETS).find(([, set]) => sameSet(statuses, set))?.[0] ?? null;
}

describe('payment-status sets in SQL', () => {
  const lists = statusLists();

  it('finds the lists it checks', () => {
    expect(lists.length).toBeGreaterThanOrEqual(5);
  });

  it("every list of payment statuses in packages/db is one of core's sets", () => {
    const strays = lists.filter((l) => nameOf(l.statuses) === null);
    expect(strays, 'lists that are no set of payment-state.ts').toEqual([]);
  });

  it('the due query and the due partial index use the same predicate: OPEN_STATUSES', () => {
    const index = lists.filter((l) => l.where.startsWith('migrations/0002_'));
    const due = readFileSync(join(dbSrc, 'repositories/reconcile.ts'), 'utf8');
    const query = /export function dueQuery[\s\S]*?payment_status IN \(([^)]*)\)/.exec(due)?.[1];
    expect(query, 'dueQuery, the sweep page, names its statuses').toBeDefined();
    const queryList = (query ?? '').split(',').map((s) => s.trim().replace(/'/g, ''));
    expect(nameOf(queryList)).toBe('OPEN_STATUSES');
    expect(index.map((l) => nameOf(l.statuses))).toContain('OPEN_STATUSES');
  });

  it('the named sets are what the state machine says', () => {
    // A guard for the test itself: a change in payment-state.ts shows here first.
    expect(NAMED_SETS['PAID_BRANCH_STATUSES without FINAL_STATUSES (money still held)']).toEqual([
      'PAID',
      'PARTIALLY_REFUNDED',
      'PARTIALLY_CHARGED_BACK',
    ]);
  });
});
