/**
 * Simulator configuration from the environment. Pure: the CLI passes process.env in; nothing
 * here reads it. Every variable has a default, so `npm run sim` works with no setup.
 */
import { LOCAL_SIMULATOR_SERVER_KEY, LOG_LEVELS, parseEnv } from '@lunas/core';
import { z } from 'zod';

const boolish = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const simulatorEnvSchema = z.object({
  /** Port to listen on. */
  SIM_PORT: z.coerce.number().int().min(0).max(65_535).default(4010),
  /** Interface to bind; 127.0.0.1 keeps it local. */
  SIM_HOST: z.string().min(1).default('127.0.0.1'),
  /** The key clients must present and that signs payloads; defaults to Lunas's local simulator key. */
  MIDTRANS_SERVER_KEY: z.string().min(1).default(LOCAL_SIMULATOR_SERVER_KEY),
  /** The account's Payment Notification URL; "none" disables it (override/append URLs still work). */
  SIM_NOTIFICATION_URL: z
    .union([z.literal('none'), z.url({ protocol: /^https?$/ })])
    .default('http://127.0.0.1:3000/webhooks/midtrans'),
  /** Multiplier for simulated durations (retry schedule, timed transitions). */
  SIM_TIME_SCALE: z.coerce.number().positive().max(1000).default(1),
  /** Seed for reproducible random faults and jitter. */
  SIM_SEED: z.coerce.number().int().optional(),
  /** Timeout of one notification attempt, real ms. */
  SIM_ATTEMPT_TIMEOUT_MS: z.coerce.number().int().min(1).max(120_000).default(15_000),
  /** 0..1: share of each retry interval that is random. */
  SIM_RETRY_JITTER: z.coerce.number().min(0).max(1).default(1),
  /** Expire pending transactions automatically at expiry_time. */
  SIM_AUTO_EXPIRE: boolish.default(false),
  /** When set, the /_sim control API requires this token. */
  SIM_CONTROL_TOKEN: z.string().min(1).optional(),
  /** pino level. */
  LOG_LEVEL: z.enum(LOG_LEVELS).default('info'),
});

export interface SimulatorConfig {
  readonly port: number;
  readonly host: string;
  readonly serverKey: string;
  readonly notificationUrl: string | undefined;
  readonly timeScale: number;
  readonly seed: number | undefined;
  readonly attemptTimeoutMs: number;
  readonly retryJitter: number;
  readonly autoExpire: boolean;
  readonly controlToken: string | undefined;
  readonly logLevel: (typeof LOG_LEVELS)[number];
}

/** Parses env; throws an AppError naming the bad variables (never their values). */
export function loadSimulatorConfig(env: Record<string, string | undefined>): SimulatorConfig {
  // Empty strings mean "unset", as in most .env tooling.
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, value]) => value !== ''));
  const parsed = parseEnv(simulatorEnvSchema, cleaned);
  return Object.freeze({
    port: parsed.SIM_PORT,
    host: parsed.SIM_HOST,
    serverKey: parsed.MIDTRANS_SERVER_KEY,
    notificationUrl: parsed.SIM_NOTIFICATION_URL === 'none' ? undefined : parsed.SIM_NOTIFICATION_URL,
    timeScale: parsed.SIM_TIME_SCALE,
    seed: parsed.SIM_SEED,
    attemptTimeoutMs: parsed.SIM_ATTEMPT_TIMEOUT_MS,
    retryJitter: parsed.SIM_RETRY_JITTER,
    autoExpire: parsed.SIM_AUTO_EXPIRE,
    controlToken: parsed.SIM_CONTROL_TOKEN,
    logLevel: parsed.LOG_LEVEL,
  });
}
