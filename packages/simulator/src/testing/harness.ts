/**
 * Test wiring: a listening simulator and a receiver, both closed when the test finishes.
 */
import { withTimeout } from '@lunas/core';
import { onTestFinished } from 'vitest';
import { createSimulator } from '../simulator.js';
import type { Simulator, SimulatorOptions } from '../simulator.js';
import { startReceiver } from './receiver.js';
import type { Answer, Receiver, ReceivedRequest } from './receiver.js';

export const TEST_KEY = 'SB-Mid-server-TEST';

export interface Harness {
  sim: Simulator;
  receiver: Receiver;
}

/**
 * Concurrent tests must pass their own context's onTestFinished: the global one cannot tell
 * concurrent tests apart and would close another test's servers.
 */
export async function startHarness(
  options: Partial<SimulatorOptions> = {},
  answer?: (req: ReceivedRequest, index: number) => Answer,
  onFinished: (fn: () => Promise<void>) => void = onTestFinished,
): Promise<Harness> {
  const receiver = await startReceiver(answer);
  onFinished(() => receiver.close());
  const sim = await createSimulator({
    serverKey: TEST_KEY,
    notificationUrl: `${receiver.url}/webhooks/midtrans`,
    timeScale: 0.0001,
    logger: false,
    ...options,
  });
  onFinished(() => sim.close());
  await sim.listen();
  return { sim, receiver };
}

/** sim.idle(), but failing instead of hanging when something never settles. */
export async function settled(sim: Simulator, timeoutMs = 5_000): Promise<void> {
  await withTimeout(sim.idle(), timeoutMs, `simulator not idle within ${timeoutMs} ms`);
}

export function vaCharge(orderId: string, grossAmount = 10_000): Parameters<Simulator['charge']>[0] {
  return {
    payment_type: 'bank_transfer',
    transaction_details: { order_id: orderId, gross_amount: grossAmount },
    bank_transfer: { bank: 'bca' },
  };
}

export function cardCharge(
  orderId: string,
  card: string,
  grossAmount = 10_000,
): Parameters<Simulator['charge']>[0] {
  return {
    payment_type: 'credit_card',
    transaction_details: { order_id: orderId, gross_amount: grossAmount },
    credit_card: { token_id: card },
  };
}
