/**
 * Notification retries follow the table in docs/midtrans.md ("Delivery and retries"), on the
 * 2/10/30/90/210-minute schedule compressed by the time scale. Timings are checked against bounds,
 * not exact values.
 */
import { describe, expect, it } from 'vitest';
import { RETRY_INTERVALS_MINUTES, retriesFor, retryDelayMs } from './notify/retry-policy.js';
import { seededRandom } from './faults/prng.js';
import { startHarness, settled, vaCharge } from './testing/harness.js';

const TIME_SCALE = 0.0001; // 2 min → 12 ms … 210 min → 1.26 s
const JITTER = 0.25; // each gap lands in [75 %, 100 %] of its interval
const intervalMs = (retry: number, timeScale = TIME_SCALE): number =>
  (RETRY_INTERVALS_MINUTES[retry - 1] ?? 0) * 60_000 * timeScale;

type Cleanup = (fn: () => Promise<void>) => void;

async function attemptsFor(
  status: number,
  orderId: string,
  cleanup: Cleanup,
  timeScale = TIME_SCALE,
): Promise<{ times: number[]; outcomes: string[]; scheduled: number[] }> {
  const { sim, receiver } = await startHarness(
    { timeScale, retryJitter: JITTER },
    () => ({ status }),
    cleanup,
  );
  await sim.charge(vaCharge(orderId));
  await settled(sim, 20_000);
  const deliveries = sim.deliveries(orderId);
  return {
    times: receiver.requests.map((r) => r.at),
    outcomes: deliveries.map((d) => d.outcome),
    scheduled: deliveries.flatMap((d) => (d.nextAttemptInMs === undefined ? [] : [d.nextAttemptInMs])),
  };
}

describe('retry table', () => {
  it.concurrent.for([
    [200, 1],
    [204, 1],
    [500, 2],
    [503, 5],
    [400, 3],
    [404, 3],
    [301, 1],
    [302, 1],
    [303, 1],
    [418, 6],
  ] as const)(
    'a receiver answering %i gets %i attempt(s) in all',
    // Ten simulators at once; the longest schedule (418: 5 retries) is about 2 s of scaled gaps.
    { timeout: 30_000 },
    async ([status, attempts], { onTestFinished }) => {
      const { times, outcomes } = await attemptsFor(status, `retry-${status}`, onTestFinished);
      expect(times).toHaveLength(attempts);
      const last = status < 300 ? 'delivered' : 'gave-up';
      expect(outcomes).toEqual([...Array<string>(attempts - 1).fill('retry-scheduled'), last]);
    },
  );

  it.concurrent(
    'spaces retries by the growing schedule, within the jitter bounds',
    async ({ onTestFinished }) => {
      const { times, scheduled } = await attemptsFor(503, 'retry-gaps', onTestFinished);
      // The delays the simulator chose: each within its interval's jitter bounds, each longer
      // than the one before.
      expect(scheduled).toHaveLength(4);
      scheduled.forEach((delay, i) => {
        const interval = intervalMs(i + 1);
        expect(delay).toBeGreaterThanOrEqual(interval * (1 - JITTER));
        expect(delay).toBeLessThanOrEqual(interval);
      });
      for (let i = 1; i < scheduled.length; i += 1) {
        expect(scheduled[i]).toBeGreaterThan(scheduled[i - 1] ?? 0);
      }
      // And the receiver saw them: no attempt came before its delay was over. (How late one
      // may come depends on the machine's load, so only the lower bound is asserted.)
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
      expect(gaps).toHaveLength(4);
      gaps.forEach((gap, i) => expect(gap).toBeGreaterThanOrEqual((scheduled[i] ?? 0) - 2));
    },
    // About 0.8 s of real retry gaps at this scale; bounded well above that.
    30_000,
  );

  it.concurrent(
    'retries a hanging receiver 5 times after its attempt timeout',
    async ({ onTestFinished }) => {
      // 300 ms, not less: on a loaded machine a shorter timeout can expire before the request
      // even reaches the receiver, and the receiver would count one request fewer.
      const { sim, receiver } = await startHarness(
        { timeScale: TIME_SCALE, retryJitter: JITTER, attemptTimeoutMs: 300 },
        () => 'hang',
        onTestFinished,
      );
      await sim.charge(vaCharge('retry-hang'));
      await settled(sim, 10_000);
      expect(receiver.requests).toHaveLength(6);
      const records = sim.deliveries('retry-hang');
      expect(records.map((r) => r.attempt)).toEqual([1, 2, 3, 4, 5, 6]);
      expect(records.every((r) => r.error === 'timeout after 300 ms')).toBe(true);
      expect(records.at(-1)?.outcome).toBe('gave-up');
    },
    // Six 300 ms timeouts plus the scaled gaps: about 3.5 s; bounded well above that.
    30_000,
  );

  it.concurrent('retries 5 times when nothing listens', async ({ onTestFinished }) => {
    const { sim } = await startHarness(
      { timeScale: TIME_SCALE, retryJitter: JITTER, notificationUrl: 'http://127.0.0.1:9/none' },
      undefined,
      onTestFinished,
    );
    await sim.charge(vaCharge('retry-refused'));
    await settled(sim);
    const records = sim.deliveries('retry-refused');
    expect(records).toHaveLength(6);
    expect(records[0]?.error).toMatch(/connection error|fetch failed/);
  });

  it.concurrent(
    'follows a 307 with the same POST body and counts the final answer',
    async ({ onTestFinished }) => {
      const { sim, receiver } = await startHarness(
        { timeScale: TIME_SCALE },
        (req) => (req.path.endsWith('/midtrans') ? { status: 307, location: '/moved' } : { status: 200 }),
        onTestFinished,
      );
      await sim.charge(vaCharge('retry-307'));
      await settled(sim);
      expect(receiver.requests.map((r) => [r.method, r.path])).toEqual([
        ['POST', '/webhooks/midtrans'],
        ['POST', '/moved'],
      ]);
      expect(receiver.requests[1]?.body).toEqual(receiver.requests[0]?.body);
      const [record] = sim.deliveries('retry-307');
      expect(record).toMatchObject({
        attempt: 1,
        httpStatus: 200,
        outcome: 'delivered',
        redirects: [`${receiver.url}/moved`],
      });
    },
  );

  it.concurrent(
    'gives up on a 308 loop after 5 hops and retries it like any failure',
    async ({ onTestFinished }) => {
      const { sim, receiver } = await startHarness(
        { timeScale: TIME_SCALE, retryJitter: JITTER },
        () => ({ status: 308, location: '/again' }),
        onTestFinished,
      );
      await sim.charge(vaCharge('retry-308-loop'));
      await settled(sim);
      const records = sim.deliveries('retry-308-loop');
      expect(records).toHaveLength(6);
      expect(records[0]?.error).toBe('more than 5 redirects');
      expect(receiver.requests).toHaveLength(6 * 6);
    },
  );

  it('keeps the history of every attempt: number, url, time, status and body', async () => {
    const { sim } = await startHarness({ timeScale: TIME_SCALE }, (_req, index) => ({
      status: index === 0 ? 500 : 200,
    }));
    const charged = await sim.charge(vaCharge('retry-history'));
    await settled(sim);
    const records = sim.deliveries(charged.transaction_id);
    expect(records.map((r) => [r.attempt, r.httpStatus, r.outcome])).toEqual([
      [1, 500, 'retry-scheduled'],
      [2, 200, 'delivered'],
    ]);
    expect(records[0]?.url).toMatch(/\/webhooks\/midtrans$/);
    expect(Date.parse(records[0]?.at ?? '')).not.toBeNaN();
    expect(records[0]?.body).toMatchObject({
      order_id: 'retry-history',
      transaction_status: 'pending',
      status_code: '201',
    });
  });
});

describe('retry policy', () => {
  it('maps answers to retry counts per the table', () => {
    expect(retriesFor({ kind: 'response', status: 503 })).toBe(4);
    expect(retriesFor({ kind: 'response', status: 307 })).toBe(5);
    expect(retriesFor({ kind: 'error', error: 'timeout' })).toBe(5);
  });

  it('keeps each delay within its interval and compresses it by the time scale', () => {
    const random = seededRandom(7);
    for (let retry = 1; retry <= 5; retry += 1) {
      const full = (RETRY_INTERVALS_MINUTES[retry - 1] ?? 0) * 60_000 * 0.001;
      const delay = retryDelayMs(retry, 0.001, 1, random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThanOrEqual(full);
      expect(retryDelayMs(retry, 0.001, 0, random)).toBe(full);
    }
  });
});
