export { buildApp, createApiDeps, type ApiDeps } from './app.js';
export { loadApiConfig, apiEnvSchema, type ApiConfig } from './config.js';
export { ingestNotification, type IngestOutcome, type IngestDeps } from './ingest.js';
export { webhookMidtransRoutes } from './routes/webhook-midtrans.js';
export { createEnqueue } from './enqueue.js';
export type { AdminDeps } from './app.js';
