/**
 * A decorator of the Midtrans client: counts and times every Get Status call
 * (lunas_midtrans_requests_total, lunas_midtrans_request_duration_seconds) and alerts when
 * Midtrans refuses the server key (401) or the fleet-wide circuit is open.
 */
import type { MidtransClient } from '@lunas/midtrans';
import type { LunasMetrics } from '@lunas/runtime';
import { midtransAlert, type AlertDraft } from '../alerts/alert-rules.js';

export function observeMidtrans(
  client: MidtransClient,
  metrics: LunasMetrics,
  raise: (draft: AlertDraft) => void,
): MidtransClient {
  return {
    async getStatus(id, options) {
      const started = performance.now();
      try {
        const result = await client.getStatus(id, options);
        const labels = { result: result.kind };
        metrics.midtransRequests.inc(labels);
        metrics.midtransDuration.observe(labels, (performance.now() - started) / 1000);
        if (result.kind === 'unauthorized' || result.kind === 'circuit_open') {
          raise(midtransAlert(result.kind));
        }
        return result;
      } catch (error) {
        metrics.midtransRequests.inc({ result: 'error' });
        throw error;
      }
    },
  };
}
