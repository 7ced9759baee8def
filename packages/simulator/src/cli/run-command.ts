/**
 * Runs the CLI commands other than `serve`. Output goes through the injected writers (only
 * cli.ts touches the console); the result is the process exit code.
 */
import type { SimulatorConfig } from '../config.js';
import { formatAmount } from '../engine/format.js';
import { buildNotification } from '../notify/payload.js';
import type { NotificationInput } from '../notify/payload.js';
import { describeSendError, sendNotification } from '../notify/send-notification.js';
import { formatMidtransTime } from '@lunas/midtrans';
import type { CliCommand } from './args.js';
import { callControl } from './control-client.js';
import type { ControlResponse } from './control-client.js';

export interface CliIo {
  out: (line: string) => void;
  err: (line: string) => void;
}

export const EXIT_OK = 0;
export const EXIT_FAILED = 1;
export const EXIT_USAGE = 2;

type NonServe = Exclude<CliCommand, { kind: 'serve' | 'help' }>;

export async function runCommand(command: NonServe, config: SimulatorConfig, io: CliIo): Promise<number> {
  if (command.kind === 'trigger') {
    return trigger(command, config, io);
  }
  const host = config.host === '0.0.0.0' || config.host === '::' ? '127.0.0.1' : config.host;
  const sim = command.sim ?? `http://${host}:${config.port}`;
  const token = command.token ?? config.controlToken;
  const call = (
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body?: unknown,
  ): Promise<ControlResponse> => callControl(sim, token, method, path, body);
  let response: ControlResponse;
  try {
    response = await control(command, call);
  } catch (error) {
    io.err(`Could not reach the simulator at ${sim}: ${describeSendError(error, 30_000)}`);
    return EXIT_FAILED;
  }
  const ok = response.status >= 200 && response.status < 300;
  (ok ? io.out : io.err)(JSON.stringify(response.body, null, 2));
  return ok ? EXIT_OK : EXIT_FAILED;
}

function control(
  command: Exclude<NonServe, { kind: 'trigger' }>,
  call: (method: 'GET' | 'POST' | 'PUT' | 'DELETE', path: string, body?: unknown) => Promise<ControlResponse>,
): Promise<ControlResponse> {
  const tx = (id: string): string => `/transactions/${encodeURIComponent(id)}`;
  switch (command.kind) {
    case 'action':
      return call('POST', `${tx(command.id)}/${command.action}`);
    case 'refund':
      return call(
        'POST',
        `${tx(command.id)}/refund`,
        command.amount === undefined ? {} : { amount: command.amount },
      );
    case 'challenge':
      return call('POST', `${tx(command.id)}/challenge`, { decision: command.decision });
    case 'choose':
      return call('POST', `${tx(command.id)}/choose`, { payment_type: command.method });
    case 'status':
      return call('GET', tx(command.id));
    case 'deliveries':
      return call('GET', `${tx(command.id)}/deliveries`);
    case 'notifications':
      return call('GET', `${tx(command.id)}/notifications`);
    case 'injections':
      return call('GET', '/injections');
    case 'retry':
      return call('POST', `${tx(command.id)}/retry`, {
        ...(command.paymentType === undefined ? {} : { payment_type: command.paymentType }),
        ...(command.card === undefined ? {} : { card: command.card }),
      });
    case 'chargeback':
      return call(
        'POST',
        `${tx(command.id)}/chargeback`,
        command.amount === undefined ? {} : { amount: command.amount },
      );
    case 'payment-link':
      return call('POST', '/payment-links', {
        order_id: command.orderId,
        gross_amount: command.amount,
        ...(command.paymentType === undefined ? {} : { payment_type: command.paymentType }),
        ...(command.card === undefined ? {} : { card: command.card }),
      });
    case 'replay':
      return call('POST', `${tx(command.id)}/replay`, {
        ...(command.index === undefined ? {} : { index: command.index }),
        ...(command.edit === undefined ? {} : { edit: command.edit }),
        ...(command.url === undefined ? {} : { url: command.url }),
      });
    case 'subscription-notify':
      return call('POST', '/subscriptions/notify', {
        ...(command.failed ? { failed: true } : {}),
        ...(command.event === undefined ? {} : { event_name: command.event }),
        ...(command.url === undefined ? {} : { url: command.url }),
      });
    case 'test-notification':
      return call('POST', '/test-notification', {
        ...(command.status === undefined ? {} : { transaction_status: command.status }),
        ...(command.orderId === undefined ? {} : { order_id: command.orderId }),
        ...(command.amount === undefined ? {} : { gross_amount: Number(command.amount) }),
        ...(command.statusCode === undefined ? {} : { status_code: command.statusCode }),
        ...(command.url === undefined ? {} : { url: command.url }),
      });
    case 'list':
      return call('GET', '/transactions');
    case 'reset':
      return call('POST', '/reset');
    case 'fault-set': {
      let fault: unknown;
      try {
        fault = JSON.parse(command.spec) as unknown;
      } catch {
        return Promise.resolve({ status: 400, body: { error: 'the fault spec is not valid JSON' } });
      }
      return call('PUT', '/faults', {
        fault,
        ...(command.orderId === undefined ? {} : { orderId: command.orderId }),
      });
    }
    case 'fault-clear':
      return call(
        'DELETE',
        command.orderId === undefined ? '/faults' : `/faults?orderId=${encodeURIComponent(command.orderId)}`,
      );
  }
}

async function trigger(
  command: Extract<NonServe, { kind: 'trigger' }>,
  config: SimulatorConfig,
  io: CliIo,
): Promise<number> {
  const url = command.url ?? config.notificationUrl;
  if (url === undefined) {
    io.err('No URL: pass --url or set SIM_NOTIFICATION_URL.');
    return EXIT_USAGE;
  }
  const input: NotificationInput = {
    order_id: command.orderId,
    transaction_status: command.status,
    // Midtrans always sends two decimals, and the signature covers the formatted text.
    gross_amount: formatAmount(Number(command.amount)),
    payment_type: command.paymentType,
    fraud_status: command.fraudStatus ?? 'accept',
    ...(command.transactionId === undefined ? {} : { transaction_id: command.transactionId }),
    ...(command.statusCode === undefined ? {} : { status_code: command.statusCode }),
    ...(command.status === 'settlement' ? { settlement_time: formatMidtransTime(new Date()) } : {}),
  };
  let body;
  try {
    body = buildNotification(input, command.key ?? config.serverKey);
  } catch (error) {
    io.err(`${error instanceof Error ? error.message : String(error)} (pass --status-code)`);
    return EXIT_USAGE;
  }
  io.out(JSON.stringify(body, null, 2));
  try {
    const result = await sendNotification(url, body, { timeoutMs: config.attemptTimeoutMs });
    const via = result.redirects.length > 0 ? ` (via ${result.redirects.join(' -> ')})` : '';
    io.out(`HTTP ${result.status} from ${result.url}${via}`);
    return result.status >= 200 && result.status < 300 ? EXIT_OK : EXIT_FAILED;
  } catch (error) {
    io.err(`No answer from ${url}: ${describeSendError(error, config.attemptTimeoutMs)}`);
    return EXIT_FAILED;
  }
}
