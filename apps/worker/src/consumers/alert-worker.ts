/** The alert consumer: a BullMQ Worker on ops-alerts running deliverAlert; only with ALERT_WEBHOOK_URL. */
import { ALERT_QUEUES, type AlertJobData } from '@lunas/core';
import { Worker } from 'bullmq';
import type { WorkerDeps } from '../deps.js';
import { createDeliverAlertProcessor } from '../processors/deliver-alert.js';

export function startAlertWorker(deps: WorkerDeps): Worker<AlertJobData> | null {
  const { config, logger, metrics } = deps;
  const webhookUrl = config.ALERT_WEBHOOK_URL;
  if (!webhookUrl) {
    return null;
  }
  const worker = new Worker<AlertJobData>(
    ALERT_QUEUES.alerts,
    createDeliverAlertProcessor({ webhookUrl, timeoutMs: config.ALERT_TIMEOUT_MS, logger, metrics }),
    { connection: deps.consumerRedis, prefix: config.QUEUE_PREFIX, concurrency: 2 },
  );
  worker.on('error', (error) => logger.error({ err: error }, 'alert worker error'));
  return worker;
}
