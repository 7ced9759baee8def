/**
 * Fault injection settings. Notification faults act on what the simulator sends to the
 * merchant; statusApi faults act on what GET /v2/:id/status answers.
 */
import { z } from 'zod';

const rate = z.number().min(0).max(1);

export const statusApiFaultSchema = z.strictObject({
  /** 429, a 5xx status, or "hang" (answer nothing for hangMs, then 504). */
  respond: z.union([z.literal('hang'), z.literal(429), z.number().int().min(500).max(599)]),
  /** Number of status calls affected; unlimited when absent. */
  count: z.number().int().positive().optional(),
  /** Real milliseconds from now during which calls are affected; unlimited when absent. */
  durationMs: z.number().int().positive().optional(),
  /** How long a hung call stays unanswered, real ms (default 30000). */
  hangMs: z.number().int().min(0).max(600_000).optional(),
});

export const faultSpecSchema = z.strictObject({
  /** Wait this many real ms before a notification's first attempt (it then overtakes nothing). */
  delayMs: z.number().int().min(0).max(3_600_000).optional(),
  /** Deliver each notification twice. */
  duplicate: z.boolean().optional(),
  /** Never send the notification (recorded as "dropped"). */
  drop: z.boolean().optional(),
  /** Hold the notification until the transaction's next one has been sent (settlement before pending). */
  reorder: z.boolean().optional(),
  /** How many notifications the notification faults apply to; unlimited when absent. */
  times: z.number().int().positive().optional(),
  /** Seeded random faults: the chance that each notification is duplicated, dropped, reordered. */
  duplicateRate: rate.optional(),
  dropRate: rate.optional(),
  reorderRate: rate.optional(),
  statusApi: statusApiFaultSchema.optional(),
});

export type FaultSpec = z.input<typeof faultSpecSchema>;
export type StatusApiFault = z.output<typeof statusApiFaultSchema>;

export type FaultName = 'drop' | 'duplicate' | 'reorder' | 'delay';

/** What happens to one notification. */
export interface NotificationDecision {
  readonly drop: boolean;
  readonly duplicate: boolean;
  readonly reorder: boolean;
  readonly delayMs: number;
  /** The faults applied, for the delivery history. */
  readonly applied: readonly FaultName[];
}

export const NO_FAULT: NotificationDecision = Object.freeze({
  drop: false,
  duplicate: false,
  reorder: false,
  delayMs: 0,
  applied: Object.freeze([]),
});
