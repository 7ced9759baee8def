/** What the route plugins need, passed as register options. */
import type { Engine } from '../engine/engine.js';
import type { CompatOptions } from '../engine/format.js';
import type { FaultRegistry } from '../faults/fault-registry.js';
import type { Scheduler } from '../notify/scheduler.js';

export interface RouteContext {
  engine: Engine;
  faults: FaultRegistry;
  scheduler: Scheduler;
  serverKey: string;
  compat: CompatOptions;
  /** When set, the control API requires `Authorization: Bearer <token>` or `X-Sim-Token`. */
  controlToken: string | undefined;
  /** Clears transactions, deliveries, faults and timers. */
  reset: () => void;
  idle: () => Promise<void>;
}
