/**
 * The Lunas metric catalog (Prometheus, prom-client). One registry per process role, never
 * prom-client's global one: a test runs an API and workers in one process, and each must
 * expose only its own series. Every name starts with `lunas_`.
 *
 * Labels are bounded enums (outcome, queue, state, status): never an order code, an amount or
 * a job id, so /metrics can be scraped without exposing a payment.
 */
import { withTimeout } from '@lunas/core';
import type { Queue } from 'bullmq';
import type { Cluster, Redis } from 'ioredis';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

export const METRICS_CONTENT_TYPE = Registry.PROMETHEUS_CONTENT_TYPE;

/** What every Lunas process registers; the role-specific collectors are added by the callers. */
export interface LunasMetrics {
  readonly registry: Registry;
  /** Webhook answers by outcome: queued, duplicate, bad_request, bad_signature, too_large, unavailable. */
  readonly webhookRequests: Counter<'outcome'>;
  /** Time from a verified webhook to Redis's acknowledgement of its job. */
  readonly enqueueDuration: Histogram<'result'>;
  /** Processing time of one job attempt, by queue and outcome (completed, failed, dead). */
  readonly jobDuration: Histogram<'queue' | 'outcome'>;
  /** Results the state machine decided, by outcome (applied, duplicate, stale, rejected). */
  readonly paymentResults: Counter<'outcome'>;
  /** Real transitions (outcome "applied"), by from and to status. */
  readonly transitions: Counter<'from' | 'to'>;
  /** Get Status calls by result (found, expired, not_found, unauthorized, failed, retryable, circuit_open, error). */
  readonly midtransRequests: Counter<'result'>;
  readonly midtransDuration: Histogram<'result'>;
  /** Alerts by cause and what happened to them (raised, deduplicated, delivered, failed). */
  readonly alerts: Counter<'cause' | 'result'>;
  /** Open Server-Sent Events streams of the console. */
  readonly sseClients: Gauge;
  /** Renders the exposition text (what GET /metrics answers). */
  render(): Promise<string>;
}

export function createMetrics(options: {
  readonly role: 'api' | 'worker';
  readonly defaultMetrics?: boolean;
}): LunasMetrics {
  const registry = new Registry();
  registry.setDefaultLabels({ role: options.role });
  if (options.defaultMetrics ?? true) {
    collectDefaultMetrics({ register: registry, prefix: 'lunas_process_' });
  }
  const registers = [registry];
  return {
    registry,
    webhookRequests: new Counter({
      name: 'lunas_webhook_requests_total',
      help: 'Midtrans webhook requests by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    enqueueDuration: new Histogram({
      name: 'lunas_enqueue_duration_seconds',
      help: 'Time until Redis acknowledged a notification job',
      labelNames: ['result'],
      buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2, 5],
      registers,
    }),
    jobDuration: new Histogram({
      name: 'lunas_job_duration_seconds',
      help: 'Duration of one job attempt by queue and outcome',
      labelNames: ['queue', 'outcome'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
      registers,
    }),
    paymentResults: new Counter({
      name: 'lunas_payment_results_total',
      help: 'Payment results decided by the state machine, by outcome',
      labelNames: ['outcome'],
      registers,
    }),
    transitions: new Counter({
      name: 'lunas_payment_transitions_total',
      help: 'Payment status transitions by from and to',
      labelNames: ['from', 'to'],
      registers,
    }),
    midtransRequests: new Counter({
      name: 'lunas_midtrans_requests_total',
      help: 'Midtrans Get Status calls by result',
      labelNames: ['result'],
      registers,
    }),
    midtransDuration: new Histogram({
      name: 'lunas_midtrans_request_duration_seconds',
      help: 'Latency of Midtrans Get Status calls by result',
      labelNames: ['result'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 30],
      registers,
    }),
    alerts: new Counter({
      name: 'lunas_alerts_total',
      help: 'Operational alerts by cause and result',
      labelNames: ['cause', 'result'],
      registers,
    }),
    sseClients: new Gauge({
      name: 'lunas_console_event_streams',
      help: 'Open console event streams (SSE)',
      registers,
    }),
    render: () => registry.metrics(),
  };
}

/** Job states that queue depth reports; completed is left out (it only grows until pruned). */
const DEPTH_STATES = ['waiting', 'delayed', 'active', 'failed', 'prioritized'] as const;

/**
 * lunas_queue_jobs{queue,state}: read from Redis when Prometheus scrapes, so there is no timer.
 * With `cacheMs` > 0 the counts are reused for that long, and scrapes that arrive while a read
 * is under way share it (one computation, however many scrapers). A Redis error leaves the
 * gauge unset for that scrape (the series disappears), which `absent()`-style alerts can catch.
 */
export function registerQueueDepth(
  metrics: LunasMetrics,
  queues: readonly Queue[],
  options: {
    readonly cacheMs?: number;
    readonly now?: () => number;
  } = {},
): void {
  const cacheMs = options.cacheMs ?? 0;
  const now = options.now ?? Date.now;
  type Counts = { readonly name: string; readonly counts: Record<string, number> | null }[];
  let cached: { readonly at: number; readonly counts: Promise<Counts> } | null = null;
  const read = (): Promise<Counts> =>
    Promise.all(
      queues.map(async (queue) => ({
        name: queue.name,
        counts: await queue.getJobCounts(...DEPTH_STATES).catch(() => null),
      })),
    );
  const counts = (): Promise<Counts> => {
    const at = now();
    if (!cached || at - cached.at >= cacheMs) {
      cached = { at, counts: read() };
    }
    return cached.counts;
  };
  new Gauge({
    name: 'lunas_queue_jobs',
    help: 'Jobs per queue and state, read at scrape time',
    labelNames: ['queue', 'state'],
    registers: [metrics.registry],
    async collect() {
      const result = await counts();
      this.reset();
      for (const { name, counts: queueCounts } of result) {
        for (const state of DEPTH_STATES) {
          if (queueCounts) {
            this.set({ queue: name, state }, queueCounts[state] ?? 0);
          }
        }
      }
    },
  });
}

/** What the Redis memory gauges read: an ioredis client, or a Cluster (each master is read). */
export type RedisInfoClient = Pick<Redis, 'info'> | Cluster;

export interface RedisMemory {
  /** INFO memory used_memory: bytes the allocator holds for data and overhead. */
  readonly used: number;
  /** INFO memory maxmemory; 0 means no limit. */
  readonly max: number;
}

/** used_memory and maxmemory from the text of INFO memory; null if either is missing. */
export function parseInfoMemory(info: string): RedisMemory | null {
  const field = (name: string): number | null => {
    const match = new RegExp(`^${name}:(\\d+)\\s*$`, 'm').exec(info);
    return match ? Number(match[1]) : null;
  };
  const used = field('used_memory');
  const max = field('maxmemory');
  return used === null || max === null ? null : { used, max };
}

/** The fuller node: highest used/max, or highest used where no node has a limit. */
function fullest(nodes: readonly RedisMemory[]): RedisMemory | null {
  const fill = (m: RedisMemory) => (m.max > 0 ? m.used / m.max : -1 / (1 + m.used));
  return nodes.reduce<RedisMemory | null>(
    (best, m) => (best === null || fill(m) > fill(best) ? m : best),
    null,
  );
}

async function readRedisMemory(client: RedisInfoClient): Promise<RedisMemory | null> {
  if ('isCluster' in client && client.isCluster) {
    const masters = client.nodes('master');
    const read = await Promise.all(masters.map(async (node) => parseInfoMemory(await node.info('memory'))));
    return fullest(read.filter((m): m is RedisMemory => m !== null));
  }
  return parseInfoMemory(await client.info('memory'));
}

/**
 * lunas_redis_used_memory_bytes and lunas_redis_maxmemory_bytes (0: no limit), from INFO memory
 * when Prometheus scrapes, bounded by `timeoutMs` and cached for `cacheMs` (one read shared by
 * both gauges and by concurrent scrapes). In a Redis Cluster they report the master that is
 * fullest (Lunas keeps all its keys in one slot, so that is the one that holds the queues). A
 * failed or slow read keeps the last values and counts lunas_redis_memory_scrape_errors_total;
 * before the first read both are 0. `client` null: the gauges exist and stay 0.
 */
export function registerRedisMemory(
  metrics: LunasMetrics,
  client: (() => RedisInfoClient | Promise<RedisInfoClient>) | null,
  options: { readonly cacheMs?: number; readonly timeoutMs?: number; readonly now?: () => number } = {},
): void {
  const cacheMs = options.cacheMs ?? 0;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  const scrapeErrors = new Counter({
    name: 'lunas_redis_memory_scrape_errors_total',
    help: 'Scrapes whose INFO memory failed or timed out (the previous values were served)',
    registers: [metrics.registry],
    async collect() {
      await current();
    },
  });
  const current = client
    ? scrapeRead(
        async () => {
          const memory = await withTimeout(
            Promise.resolve().then(client).then(readRedisMemory),
            timeoutMs,
            'INFO memory timed out',
          );
          if (!memory) {
            throw new Error('INFO memory without used_memory or maxmemory');
          }
          return memory;
        },
        { cacheMs, now, onError: () => scrapeErrors.inc() },
      )
    : () => Promise.resolve(null);
  const gauge = (name: string, help: string, pick: (m: RedisMemory) => number) =>
    new Gauge({
      name,
      help,
      registers: [metrics.registry],
      async collect() {
        const memory = await current();
        this.set(memory ? pick(memory) : 0);
      },
    });
  gauge(
    'lunas_redis_used_memory_bytes',
    'Redis used_memory (INFO memory), read at scrape time',
    (m) => m.used,
  );
  gauge(
    'lunas_redis_maxmemory_bytes',
    'Redis maxmemory (INFO memory), read at scrape time; 0 means no limit',
    (m) => m.max,
  );
}

export interface PaymentHealthCounts {
  /** PENDING payments older than the stuck threshold. */
  readonly stuck: number;
  /** Entries on the mismatch ledger, by kind. */
  readonly mismatches: Readonly<Record<string, number>>;
}

/**
 * lunas_stuck_payments and lunas_payment_mismatches{kind}, counted in Postgres at scrape time.
 * The count is cached for `cacheMs` and bounded by `timeoutMs`, so a burst of scrapes (several
 * Prometheus servers) or a slow database never piles queries up; on failure the last value is kept.
 */
export function registerPaymentHealth(
  metrics: LunasMetrics,
  read: () => Promise<PaymentHealthCounts>,
  options: { readonly cacheMs?: number; readonly timeoutMs?: number; readonly now?: () => number } = {},
): void {
  const cacheMs = options.cacheMs ?? 10_000;
  const timeoutMs = options.timeoutMs ?? 2_000;
  const now = options.now ?? Date.now;
  const scrapeErrors = new Counter({
    name: 'lunas_payment_health_scrape_errors_total',
    help: 'Scrapes whose Postgres count failed or timed out (the previous value was served)',
    registers: [metrics.registry],
    // Waits for this scrape's count, so an error of this scrape is already counted.
    async collect() {
      await current();
    },
  });
  const current = scrapeRead(() => withTimeout(read(), timeoutMs), {
    cacheMs,
    now,
    onError: () => scrapeErrors.inc(),
  });
  new Gauge({
    name: 'lunas_stuck_payments',
    help: 'PENDING payments older than the stuck threshold',
    registers: [metrics.registry],
    async collect() {
      const value = await current();
      if (value) {
        this.set(value.stuck);
      }
    },
  });
  new Gauge({
    name: 'lunas_payment_mismatches',
    help: 'Payments on the mismatch ledger, by kind',
    labelNames: ['kind'],
    registers: [metrics.registry],
    async collect() {
      const value = await current();
      this.reset();
      for (const kind of ['paid_not_recorded', 'amount_rejected', 'reversal', 'unknown_to_midtrans']) {
        this.set({ kind }, value?.mismatches[kind] ?? 0);
      }
    },
  });
}

/**
 * A value read at scrape time: reused for `cacheMs` after a successful read, one read shared
 * by every caller while it is under way (the gauges of one scrape, concurrent scrapes). A failed
 * read calls `onError` and answers the last good value (null before the first).
 */
function scrapeRead<T>(
  read: () => Promise<T>,
  options: { readonly cacheMs: number; readonly now: () => number; readonly onError: () => void },
): () => Promise<T | null> {
  let cached: { at: number; value: T } | null = null;
  let inflight: Promise<T | null> | null = null;
  return () => {
    if (cached && options.now() - cached.at < options.cacheMs) {
      return Promise.resolve(cached.value);
    }
    inflight ??= read()
      .then((value) => {
        cached = { at: options.now(), value };
        return value;
      })
      .catch(() => {
        options.onError();
        return cached?.value ?? null;
      })
      .finally(() => {
        inflight = null;
      });
    return inflight;
  };
}
