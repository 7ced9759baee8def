/**
 * One notification attempt: a POST with Midtrans's headers, a per-attempt timeout, and
 * 307/308 redirects followed with the same body (at most 5). 301/302/303 are returned as
 * they are: Midtrans does not follow them (docs/midtrans.md, "Delivery and retries").
 */
export interface SendOptions {
  /** Per request timeout, ms (Midtrans waits up to 15 s). */
  timeoutMs?: number;
  userAgent?: string;
  /** Aborts the attempt (the simulator closing). */
  signal?: AbortSignal;
  maxRedirects?: number;
}

export interface SendResult {
  status: number;
  /** The URL that gave the final answer. */
  url: string;
  /** The 307/308 hops followed, in order. */
  redirects: string[];
}

export class TooManyRedirectsError extends Error {
  constructor(count: number) {
    super(`more than ${count} redirects`);
    this.name = 'TooManyRedirectsError';
  }
}

/** POSTs `body` as JSON to `url`; rejects on timeouts, connection errors and redirect loops. */
export async function sendNotification(
  url: string,
  body: object,
  options: SendOptions = {},
): Promise<SendResult> {
  const timeoutMs = options.timeoutMs ?? 15_000;
  const maxRedirects = options.maxRedirects ?? 5;
  const payload = JSON.stringify(body);
  const redirects: string[] = [];
  let target = url;
  for (;;) {
    const signals = [AbortSignal.timeout(timeoutMs), ...(options.signal ? [options.signal] : [])];
    const response = await fetch(target, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        accept: 'application/json',
        'user-agent': options.userAgent ?? 'Veritrans',
      },
      body: payload,
      redirect: 'manual',
      signal: AbortSignal.any(signals),
    });
    // Drain the body so the connection can be reused; what the merchant says is not used.
    await response.arrayBuffer().catch(() => undefined);
    const location = response.headers.get('location');
    if ((response.status === 307 || response.status === 308) && location) {
      if (redirects.length >= maxRedirects) {
        throw new TooManyRedirectsError(maxRedirects);
      }
      target = new URL(location, target).toString();
      redirects.push(target);
      continue;
    }
    return { status: response.status, url: target, redirects };
  }
}

/** A short, key-free description of a failed attempt for the delivery history. */
export function describeSendError(error: unknown, timeoutMs: number): string {
  if (error instanceof Error) {
    if (error.name === 'TimeoutError') {
      return `timeout after ${timeoutMs} ms`;
    }
    const cause = (error as { cause?: { code?: unknown } }).cause;
    if (cause && typeof cause.code === 'string') {
      return `connection error: ${cause.code}`;
    }
    return error.message;
  }
  return String(error);
}
