/**
 * npm run replay -- --from <ISO> --to <ISO> [--order CODE] [--dry-run] --reason "…"
 *
 * Calls POST /admin/replay of a running API (LUNAS_API_URL, default http://127.0.0.1:3000)
 * with ADMIN_TOKEN from the environment, and prints per payment what would change (dry run)
 * or what changed. Without --dry-run it applies: run the dry run first. Exit code 0 on a 200,
 * 1 on a refusal (the API's error is printed), 2 on bad arguments.
 */
import { parseArgs } from 'node:util';

const USAGE =
  'usage: npm run replay -- --from <ISO time> --to <ISO time> [--order CODE] [--dry-run] --reason "why"';

interface Item {
  orderCode: string;
  paymentId: string | null;
  from: string | null;
  to: string | null;
  refundedFrom: string | null;
  refundedTo: string | null;
  grossAmount: string | null;
  midtransStatus: string | null;
  change: string;
}

function fail(message: string, code: number): never {
  process.stderr.write(`${message}\n`);
  process.exit(code);
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        from: { type: 'string' },
        to: { type: 'string' },
        order: { type: 'string' },
        'dry-run': { type: 'boolean', default: false },
        reason: { type: 'string' },
      },
      strict: true,
    }));
  } catch (error) {
    fail(`${error instanceof Error ? error.message : String(error)}\n${USAGE}`, 2);
  }
  if (!values.from || !values.to || !values.reason) {
    fail(USAGE, 2);
  }
  const token = process.env.ADMIN_TOKEN;
  if (!token) {
    fail('ADMIN_TOKEN is not set: the replay is an admin action', 2);
  }
  const base = (process.env.LUNAS_API_URL ?? 'http://127.0.0.1:3000').replace(/\/+$/, '');
  const response = await fetch(`${base}/admin/replay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      from: values.from,
      to: values.to,
      ...(values.order ? { orderCode: values.order } : {}),
      dryRun: values['dry-run'],
      reason: values.reason,
    }),
    signal: AbortSignal.timeout(180_000),
  }).catch((error: unknown) => fail(`cannot reach ${base}: ${String(error)}`, 1));
  const body = (await response.json().catch(() => null)) as {
    dryRun?: boolean;
    auditId?: string;
    items?: Item[];
    error?: { code: string; message: string };
  } | null;
  if (response.status !== 200 || !body?.items) {
    fail(
      `replay refused (${response.status}): ${body?.error ? `${body.error.code} ${body.error.message}` : ''}`,
      1,
    );
  }
  const mode = body.dryRun ? 'dry run: nothing changed' : 'applied';
  process.stdout.write(`replay ${mode} (audit ${body.auditId ?? '?'}), ${body.items.length} payment(s)\n`);
  for (const item of body.items) {
    const refund =
      item.refundedFrom !== item.refundedTo
        ? ` refunded ${item.refundedFrom ?? '-'} → ${item.refundedTo ?? '-'}`
        : '';
    process.stdout.write(
      `${item.change.padEnd(14)} ${item.orderCode} payment ${item.paymentId ?? '(none)'}: ${item.from ?? '-'} → ${item.to ?? '-'}` +
        ` amount ${item.grossAmount ?? '-'}${refund} (Midtrans: ${item.midtransStatus ?? '-'})\n`,
    );
  }
}

await main();
