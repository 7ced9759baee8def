/**
 * Consumes ops.alert.deliver jobs: POSTs `{"text": …}` (Slack incoming-webhook shape) to
 * ALERT_WEBHOOK_URL. 2xx is delivered; 408/429/5xx and network errors throw so BullMQ retries
 * with backoff; any other 4xx is permanent (a revoked or wrong webhook) and fails the job at
 * once, visible in Bull Board. The URL is a secret (it authorizes posting): it is never logged.
 */
import { alertJobSchema, type AlertJobData } from '@lunas/core';
import type { LunasMetrics } from '@lunas/runtime';
import { UnrecoverableError, type Job } from 'bullmq';
import type { Logger } from 'pino';

export interface DeliverAlertDeps {
  readonly webhookUrl: string;
  readonly timeoutMs: number;
  readonly logger: Logger;
  readonly metrics: LunasMetrics;
  readonly fetch?: typeof fetch;
}

export function createDeliverAlertProcessor(deps: DeliverAlertDeps) {
  const doFetch = deps.fetch ?? fetch;
  return async function deliverAlert(job: Job<AlertJobData>): Promise<{ status: number }> {
    const data = alertJobSchema.safeParse(job.data);
    if (!data.success) {
      throw new UnrecoverableError('job data is not an alert');
    }
    let status: number;
    try {
      const response = await doFetch(deps.webhookUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ text: data.data.text }),
        signal: AbortSignal.timeout(deps.timeoutMs),
      });
      status = response.status;
      await response.body?.cancel().catch(() => undefined);
    } catch (error) {
      deps.metrics.alerts.inc({ cause: data.data.cause, result: 'failed' });
      throw new Error(
        `alert webhook unreachable: ${(error as { cause?: { code?: string } }).cause?.code ?? (error instanceof Error ? error.name : 'error')}`,
        { cause: error },
      );
    }
    if (status >= 200 && status < 300) {
      deps.metrics.alerts.inc({ cause: data.data.cause, result: 'delivered' });
      deps.logger.info({ alert: data.data.cause, jobId: job.id }, 'alert delivered');
      return { status };
    }
    deps.metrics.alerts.inc({ cause: data.data.cause, result: 'failed' });
    if (status === 408 || status === 429 || status >= 500) {
      throw new Error(`alert webhook answered ${status}`);
    }
    throw new UnrecoverableError(`alert webhook refused the alert (${status})`);
  };
}
