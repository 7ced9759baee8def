/**
 * Where a transaction's notifications go (docs/midtrans.md, "Notification body"):
 * X-Override-Notification replaces the account URL, X-Append-Notification adds to it, each takes
 * at most 3 URLs (extra ones are ignored), and when both are sent only the override applies.
 */
import type { NotificationRouting } from './types.js';

const MAX_URLS = 3;

export function notificationUrls(accountUrl: string | undefined, routing: NotificationRouting): string[] {
  if (routing.overrideNotification && routing.overrideNotification.length > 0) {
    return routing.overrideNotification.slice(0, MAX_URLS);
  }
  const base = accountUrl ? [accountUrl] : [];
  return [...base, ...(routing.appendNotification ?? []).slice(0, MAX_URLS)];
}
