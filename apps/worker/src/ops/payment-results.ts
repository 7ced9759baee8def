/**
 * Where every decided payment result goes, whichever processor decided it: the metrics
 * (results, transitions), the live event bus (the console streams it over SSE) and the alert
 * rules. Everything here observes; none of it can fail a payment job.
 */
import type { LunasMetrics, PaymentEventPublisher } from '@lunas/runtime';
import { alertsForResult, type AlertDraft } from '../alerts/alert-rules.js';
import type { ApplyStatusResult } from '../sync/apply-status.js';

export function createResultFanOut(deps: {
  readonly metrics: LunasMetrics;
  readonly events: PaymentEventPublisher;
  readonly raise: (draft: AlertDraft) => void;
}): (result: ApplyStatusResult) => void {
  const { metrics, events, raise } = deps;
  return (result) => {
    metrics.paymentResults.inc({ outcome: result.outcome });
    if (result.outcome === 'applied' && result.to) {
      metrics.transitions.inc({ from: result.from, to: result.to });
    }
    events.publish({
      type: 'payment.result',
      orderCode: result.orderCode,
      paymentId: result.paymentId,
      outcome: result.outcome,
      from: result.from,
      to: result.to,
      reversal: result.reversal,
      mismatch: result.mismatch,
      at: new Date().toISOString(),
    });
    alertsForResult(result).forEach(raise);
  };
}
