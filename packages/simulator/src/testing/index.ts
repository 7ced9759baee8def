/**
 * @lunas/simulator/testing: helpers for tests elsewhere in the repository (vitest only; kept
 * out of the main entry so that production code never loads vitest).
 */
export { cardCharge, settled, startHarness, TEST_KEY, vaCharge } from './harness.js';
export type { Harness } from './harness.js';
export { startReceiver } from './receiver.js';
export type { Answer, Receiver, ReceivedRequest } from './receiver.js';
export { waitFor } from './wait-for.js';
