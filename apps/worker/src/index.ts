export { startWorker, type WorkerHandle, type StartWorkerOptions } from './worker.js';
export { loadWorkerConfig, workerEnvSchema, type WorkerConfig } from './config.js';
export { applyMidtransStatus, type ApplyStatusInput, type ApplyStatusResult } from './sync/apply-status.js';
export { startReconcile, type ReconcileHandle } from './reconcile/start-reconcile.js';
export { startHealthServer, type HealthChecks } from './health-server.js';
export { createFleetMidtrans, type FleetMidtrans } from './midtrans.js';
