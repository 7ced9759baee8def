/** Worker configuration: a zod schema over the environment, parsed once by main.ts. */
import { envPieces, parseEnv } from '@lunas/core';
import { z } from 'zod';

const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);

export const workerEnvSchema = z.object({
  ...envPieces,
  /** Port of the worker's health endpoints (/healthz, /readyz); 0 turns them off. */
  WORKER_HEALTH_PORT: int(0, 65_535).default(9464),
  /** Interface the worker's health endpoints bind to. */
  WORKER_HEALTH_HOST: z.string().min(1).default('0.0.0.0'),
  /** Jobs one worker process runs at once. */
  WORKER_CONCURRENCY: int(1, 256).default(8),
  /** How long a worker's lock on an active job lasts without renewal (BullMQ lockDuration). */
  JOB_LOCK_MS: int(1_000, 600_000).default(5_000),
  /** How often workers look for jobs whose owner died (BullMQ stalledInterval). */
  STALLED_INTERVAL_MS: int(1_000, 600_000).default(5_000),
  /** Times a job may stall (its worker killed) before it is failed. */
  MAX_STALLED_COUNT: int(0, 100).default(5),
});

export type WorkerConfig = z.infer<typeof workerEnvSchema>;

export function loadWorkerConfig(env: Record<string, string | undefined>): WorkerConfig {
  return parseEnv(workerEnvSchema, env);
}
