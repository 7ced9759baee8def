/**
 * Midtrans's side of a test that posts notifications itself: transactions live in the system's
 * simulator (whose Get Status the worker confirms every notification with), and the bodies
 * posted are the simulator's own signed notifications of a transaction's current state.
 */
import { buildNotification, type Simulator, type StatusPayload } from '@lunas/simulator';
import { TEST_SERVER_KEY } from './notifications.js';

/** A BCA VA charge at the simulator: pending there. */
export function vaCharge(sim: Simulator, orderCode: string, amount = 150000): Promise<StatusPayload> {
  return sim.charge({
    payment_type: 'bank_transfer',
    transaction_details: { order_id: orderCode, gross_amount: amount },
    bank_transfer: { bank: 'bca' },
  });
}

/**
 * The signed notification Midtrans would send for the transaction's current state (by order id
 * or transaction id), with `edit` applied after signing: an attacker's edited replay keeps the
 * genuine signature_key.
 */
export function notificationOf(
  sim: Simulator,
  id: string,
  edit: Record<string, unknown> = {},
): Record<string, unknown> {
  const status = sim.status(id);
  if (!status) {
    throw new Error(`the simulator does not know ${id}`);
  }
  const { status_code: _code, status_message: _message, signature_key: _signature, ...fields } = status;
  return { ...buildNotification({ ...fields }, TEST_SERVER_KEY), ...edit };
}

export async function postNotification(
  webhookUrl: string,
  body: Record<string, unknown>,
): Promise<{ status: number; jobId?: string }> {
  const res = await fetch(webhookUrl, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  const json = (await res.json().catch(() => ({}))) as { jobId?: string };
  return { status: res.status, ...(json.jobId ? { jobId: json.jobId } : {}) };
}
