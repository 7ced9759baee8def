export { startWorker, type WorkerHandle, type WorkerOps, type StartWorkerOptions } from './worker.js';
export { createWorkerDeps, type WorkerDeps, type WorkerQueues } from './deps.js';
export { loadWorkerConfig, workerEnvSchema, type WorkerConfig } from './config.js';
export { applyMidtransStatus, type ApplyStatusInput, type ApplyStatusResult } from './sync/apply-status.js';
export { startReconcile, type ReconcileHandle } from './consumers/reconcile-workers.js';
export { startHealthServer, type HealthChecks } from './health-server.js';
export { createFleetMidtrans, type FleetMidtrans } from './midtrans.js';
