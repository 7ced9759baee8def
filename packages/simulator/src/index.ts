/** @lunas/simulator: a local Midtrans for tests, local runs and incident rehearsals. */
export { createSimulator } from './simulator.js';
export type { Simulator, SimulatorOptions } from './simulator.js';
export { loadSimulatorConfig, simulatorEnvSchema } from './config.js';
export type { SimulatorConfig } from './config.js';
export { buildNotification, buildStatusResponse, NOTIFICATION_STATUS_MESSAGE } from './notify/payload.js';
export type { NotificationInput } from './notify/payload.js';
export { sendNotification, TooManyRedirectsError } from './notify/send-notification.js';
export type { SendOptions, SendResult } from './notify/send-notification.js';
export { RETRY_INTERVALS_MINUTES, retriesFor, retryDelayMs } from './notify/retry-policy.js';
export type { AttemptOutcome } from './notify/retry-policy.js';
export type { DeliveryRecord, DeliveryOutcome } from './notify/delivery-record.js';
export type { FaultSpec, FaultName, StatusApiFault } from './faults/fault-spec.js';
export type { FaultScope } from './faults/fault-registry.js';
export { MidtransApiError, isMidtransApiError } from './engine/errors.js';
export { DEFAULT_COMPAT, formatAmount, statusCodeFor } from './engine/format.js';
export type { CompatOptions } from './engine/format.js';
export { TEST_CARDS, resolveTestCard } from './engine/test-cards.js';
export type { TestCard } from './engine/test-cards.js';
export type { ChargeRequest, SnapRequest } from './engine/charge-request.js';
export type { SnapChoice } from './engine/snap-methods.js';
export type { RefundParams } from './engine/refund.js';
export type { PaymentLinkRequest, ReplayRequest, RetryChoice, SentNotification } from './engine/engine.js';
export type { ReplayEdit } from './notify/replay-edit.js';
export type { InjectionKind, InjectionRecord, InjectionResult } from './notify/injections.js';
export type { SubscriptionNotifyOptions, TestNotificationOptions } from './notify/one-shot-bodies.js';
export type {
  StatusPayload,
  TransactionStatus,
  PaymentType,
  NotificationRouting,
  RefundRecord,
} from './engine/types.js';
export { basicAuthHeader } from './http/auth.js';
export { seededRandom, type Random } from './faults/prng.js';
