/**
 * The seal on a notification job: HMAC-SHA256 over the job's body text, with a key derived
 * (HKDF) from the server key. The API seals what it verified; the worker opens the seal before
 * it acts. Unlike Midtrans's signature, the seal binds every byte of the body, and it is no
 * use to anyone outside Lunas, so Bull Board and Redis may show it.
 */
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const keys = new Map<string, Buffer>();

function sealKey(serverKey: string): Buffer {
  let key = keys.get(serverKey);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', serverKey, 'lunas', 'notification job seal v1', 32));
    keys.clear(); // one server key per process; never grow
    keys.set(serverKey, key);
  }
  return key;
}

export function sealNotification(body: string, serverKey: string): string {
  return createHmac('sha256', sealKey(serverKey)).update(body, 'utf8').digest('hex');
}

export function openSeal(body: string, seal: string, serverKey: string): boolean {
  if (!/^[0-9a-f]{64}$/.test(seal)) {
    return false;
  }
  const expected = Buffer.from(sealNotification(body, serverKey), 'hex');
  return timingSafeEqual(expected, Buffer.from(seal, 'hex'));
}
