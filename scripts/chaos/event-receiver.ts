/**
 * A shop's event receiver for tests and the chaos run: an HTTP server that records every
 * payment event POSTed to it, checks each signature with the Standard Webhooks verifier
 * (`standardwebhooks`), and answers what `respond` says (200 unless told).
 */
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Webhook } from 'standardwebhooks';

export interface ReceivedEvent {
  readonly at: number;
  readonly webhookId: string;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  /** The parsed body when its signature verified; null when it did not. */
  readonly event: { id: string; type: string; timestamp: string; data: Record<string, unknown> } | null;
  readonly status: number;
}

export interface EventReceiver {
  readonly url: string;
  readonly received: ReceivedEvent[];
  /** Decides the answer to each request (after verification); 200 when it returns nothing. */
  respond: (request: {
    webhookId: string;
    attempt: number;
    event: ReceivedEvent['event'];
  }) => number | undefined;
  /** Requests answered 2xx, by webhook-id (first one). */
  delivered(): Map<string, ReceivedEvent>;
  close(): Promise<void>;
}

/** A fresh whsec_ secret (Standard Webhooks: base64 of 24 random bytes). */
export function newWebhookSecret(bytes: Uint8Array): string {
  return `whsec_${Buffer.from(bytes).toString('base64')}`;
}

export async function startEventReceiver(secret: string): Promise<EventReceiver> {
  const verifier = new Webhook(secret);
  const attempts = new Map<string, number>();
  const receiver: EventReceiver = {
    url: '',
    received: [],
    respond: () => undefined,
    delivered() {
      const map = new Map<string, ReceivedEvent>();
      for (const r of receiver.received) {
        if (r.status >= 200 && r.status < 300 && !map.has(r.webhookId)) {
          map.set(r.webhookId, r);
        }
      }
      return map;
    },
    close: () => Promise.resolve(),
  };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const webhookId = String(req.headers['webhook-id'] ?? '');
      let event: ReceivedEvent['event'];
      try {
        event = verifier.verify(body, {
          'webhook-id': webhookId,
          'webhook-timestamp': String(req.headers['webhook-timestamp'] ?? ''),
          'webhook-signature': String(req.headers['webhook-signature'] ?? ''),
        }) as ReceivedEvent['event'];
      } catch {
        event = null;
      }
      const attempt = (attempts.get(webhookId) ?? 0) + 1;
      attempts.set(webhookId, attempt);
      const status = event ? (receiver.respond({ webhookId, attempt, event }) ?? 200) : 400;
      receiver.received.push({ at: Date.now(), webhookId, headers: req.headers, body, event, status });
      res.writeHead(status, { 'content-type': 'text/plain' }).end(status < 300 ? 'ok' : 'no');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  Object.assign(receiver, {
    url: `http://127.0.0.1:${port}/lunas-events`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
  return receiver;
}

/**
 * Order per order: for every order, the events it was sent (by id) never go back to an older
 * one after a newer one was first sent, and a newer one is first sent only after every older
 * one was answered 2xx. Returns the violations.
 */
export function orderViolations(received: readonly ReceivedEvent[]): string[] {
  const byOrder = new Map<string, ReceivedEvent[]>();
  for (const r of received) {
    const code = r.event?.data.order_code;
    if (typeof code === 'string') {
      byOrder.set(code, [...(byOrder.get(code) ?? []), r]);
    }
  }
  const problems: string[] = [];
  const idOf = (r: ReceivedEvent) => BigInt(r.webhookId.replace(/^evt_/, ''));
  for (const [code, list] of byOrder) {
    const delivered = new Set<bigint>();
    let newest = -1n;
    for (const [i, r] of list.entries()) {
      const id = idOf(r);
      if (id > newest) {
        // First time this (newer) event is sent: every older event sent before must be delivered.
        if (list.slice(0, i).some((o) => idOf(o) < id && !delivered.has(idOf(o)))) {
          problems.push(`${code}: evt_${id} sent before an older event was delivered`);
        }
        newest = id;
      } else if (id < newest && !delivered.has(id)) {
        problems.push(`${code}: evt_${id} sent after the newer evt_${newest}`);
      }
      if (r.status >= 200 && r.status < 300) {
        delivered.add(id);
      }
    }
  }
  return problems;
}
