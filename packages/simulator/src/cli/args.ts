/**
 * Command-line parsing for `npm run sim -- …`. Pure: argv in, a command (or a usage error)
 * out. Defaults that come from the environment are filled in by the caller.
 */
import { parseArgs } from 'node:util';

export const CONTROL_ACTIONS = ['pay', 'expire', 'cancel', 'deny', 'reverse', 'approve'] as const;
export type ControlAction = (typeof CONTROL_ACTIONS)[number];

export interface ControlTarget {
  /** Base URL of the running simulator, when given with --sim. */
  sim: string | undefined;
  token: string | undefined;
}

export type CliCommand =
  | { kind: 'serve' }
  | { kind: 'help' }
  | {
      kind: 'trigger';
      status: string;
      orderId: string;
      amount: string;
      transactionId: string | undefined;
      url: string | undefined;
      paymentType: string;
      key: string | undefined;
      fraudStatus: string | undefined;
      statusCode: string | undefined;
    }
  | ({ kind: 'action'; action: ControlAction; id: string } & ControlTarget)
  | ({ kind: 'refund'; id: string; amount: string | undefined } & ControlTarget)
  | ({ kind: 'challenge'; id: string; decision: 'accept' | 'deny' } & ControlTarget)
  | ({ kind: 'choose'; id: string; method: string } & ControlTarget)
  | ({ kind: 'status' | 'deliveries' | 'notifications'; id: string } & ControlTarget)
  | ({ kind: 'list' | 'reset' | 'injections' } & ControlTarget)
  | ({ kind: 'retry'; id: string; paymentType: string | undefined; card: string | undefined } & ControlTarget)
  | ({ kind: 'chargeback'; id: string; amount: string | undefined } & ControlTarget)
  | ({
      kind: 'payment-link';
      orderId: string;
      amount: string;
      paymentType: string | undefined;
      card: string | undefined;
    } & ControlTarget)
  | ({
      kind: 'replay';
      id: string;
      index: number | undefined;
      edit: Record<string, unknown> | undefined;
      url: string | undefined;
    } & ControlTarget)
  | ({
      kind: 'subscription-notify';
      failed: boolean;
      event: string | undefined;
      url: string | undefined;
    } & ControlTarget)
  | ({
      kind: 'test-notification';
      status: string | undefined;
      orderId: string | undefined;
      amount: string | undefined;
      statusCode: string | undefined;
      url: string | undefined;
    } & ControlTarget)
  | ({ kind: 'fault-set'; spec: string; orderId: string | undefined } & ControlTarget)
  | ({ kind: 'fault-clear'; orderId: string | undefined } & ControlTarget);

export type ParseResult = { ok: true; command: CliCommand } | { ok: false; error: string };

const OPTIONS = {
  order: { type: 'string' },
  amount: { type: 'string' },
  'transaction-id': { type: 'string' },
  url: { type: 'string' },
  'payment-type': { type: 'string' },
  key: { type: 'string' },
  'fraud-status': { type: 'string' },
  'status-code': { type: 'string' },
  sim: { type: 'string' },
  token: { type: 'string' },
  card: { type: 'string' },
  index: { type: 'string' },
  edit: { type: 'string' },
  event: { type: 'string' },
  failed: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

const AMOUNT = /^\d{1,15}(\.\d{1,2})?$/;

export function parseCli(argv: readonly string[]): ParseResult {
  let parsed;
  try {
    parsed = parseArgs({ args: [...argv], options: OPTIONS, allowPositionals: true, strict: true });
  } catch (error) {
    return { ok: false, error: error instanceof Error ? error.message : String(error) };
  }
  const { values, positionals } = parsed;
  const [name = 'serve', first, second, ...extra] = positionals;
  if (values.help === true || name === 'help') {
    return { ok: true, command: { kind: 'help' } };
  }
  if (values.amount !== undefined && !AMOUNT.test(values.amount)) {
    return { ok: false, error: `--amount must look like 10000 or 10000.00, got "${values.amount}"` };
  }
  const target: ControlTarget = { sim: values.sim, token: values.token };
  const needId = (): ParseResult | string =>
    first ?? { ok: false, error: `${name} needs an order_id or transaction_id` };
  if (extra.length > 0) {
    return { ok: false, error: `unexpected arguments: ${extra.join(' ')}` };
  }

  switch (name) {
    case 'serve':
      return { ok: true, command: { kind: 'serve' } };
    case 'trigger': {
      if (first === undefined || values.order === undefined) {
        return {
          ok: false,
          error: 'trigger needs a status and --order, e.g. trigger settlement --order order-1',
        };
      }
      return {
        ok: true,
        command: {
          kind: 'trigger',
          status: first,
          orderId: values.order,
          amount: values.amount ?? '10000.00',
          transactionId: values['transaction-id'],
          url: values.url,
          paymentType: values['payment-type'] ?? 'bank_transfer',
          key: values.key,
          fraudStatus: values['fraud-status'],
          statusCode: values['status-code'],
        },
      };
    }
    case 'refund':
    case 'status':
    case 'deliveries': {
      const id = needId();
      if (typeof id !== 'string') {
        return id;
      }
      return name === 'refund'
        ? { ok: true, command: { kind: 'refund', id, amount: values.amount, ...target } }
        : { ok: true, command: { kind: name, id, ...target } };
    }
    case 'challenge':
      if (first === undefined || (second !== 'accept' && second !== 'deny')) {
        return { ok: false, error: 'challenge needs an id and accept|deny, e.g. challenge order-1 accept' };
      }
      return { ok: true, command: { kind: 'challenge', id: first, decision: second, ...target } };
    case 'choose':
      if (first === undefined || second === undefined) {
        return { ok: false, error: 'choose needs an id and a method, e.g. choose order-1 bca_va' };
      }
      return { ok: true, command: { kind: 'choose', id: first, method: second, ...target } };
    case 'list':
    case 'reset':
    case 'injections':
      return { ok: true, command: { kind: name, ...target } };
    case 'notifications': {
      const id = needId();
      return typeof id === 'string' ? { ok: true, command: { kind: name, id, ...target } } : id;
    }
    case 'retry':
    case 'chargeback': {
      const id = needId();
      if (typeof id !== 'string') {
        return id;
      }
      return name === 'retry'
        ? {
            ok: true,
            command: { kind: 'retry', id, paymentType: values['payment-type'], card: values.card, ...target },
          }
        : { ok: true, command: { kind: 'chargeback', id, amount: values.amount, ...target } };
    }
    case 'payment-link':
      if (first === undefined || values.amount === undefined) {
        return {
          ok: false,
          error: 'payment-link needs an order_id and --amount, e.g. payment-link link-1 --amount 15000',
        };
      }
      return {
        ok: true,
        command: {
          kind: 'payment-link',
          orderId: first,
          amount: values.amount,
          paymentType: values['payment-type'],
          card: values.card,
          ...target,
        },
      };
    case 'replay': {
      const id = needId();
      if (typeof id !== 'string') {
        return id;
      }
      const index = values.index === undefined ? undefined : Number(values.index);
      if (index !== undefined && !Number.isInteger(index)) {
        return {
          ok: false,
          error: `--index must be an integer (0 = first, -1 = last), got "${values.index}"`,
        };
      }
      let edit: Record<string, unknown> | undefined;
      if (values.edit !== undefined) {
        try {
          edit = JSON.parse(values.edit) as Record<string, unknown>;
        } catch {
          return {
            ok: false,
            error: '--edit must be a JSON object, e.g. --edit \'{"transaction_status":"settlement"}\'',
          };
        }
        if (typeof edit !== 'object' || edit === null || Array.isArray(edit)) {
          return { ok: false, error: '--edit must be a JSON object' };
        }
      }
      return { ok: true, command: { kind: 'replay', id, index, edit, url: values.url, ...target } };
    }
    case 'subscription-notify':
      return {
        ok: true,
        command: {
          kind: 'subscription-notify',
          failed: values.failed === true,
          event: values.event,
          url: values.url,
          ...target,
        },
      };
    case 'test-notification':
      return {
        ok: true,
        command: {
          kind: 'test-notification',
          status: first,
          orderId: values.order,
          amount: values.amount,
          statusCode: values['status-code'],
          url: values.url,
          ...target,
        },
      };
    case 'fault':
      if (first === 'set' && second !== undefined) {
        return { ok: true, command: { kind: 'fault-set', spec: second, orderId: values.order, ...target } };
      }
      if (first === 'clear' && second === undefined) {
        return { ok: true, command: { kind: 'fault-clear', orderId: values.order, ...target } };
      }
      return { ok: false, error: "fault needs 'set <json>' or 'clear' (both take an optional --order)" };
    default:
      if ((CONTROL_ACTIONS as readonly string[]).includes(name)) {
        const id = needId();
        return typeof id === 'string'
          ? { ok: true, command: { kind: 'action', action: name as ControlAction, id, ...target } }
          : id;
      }
      return { ok: false, error: `unknown command "${name}"` };
  }
}
