import { startRedisSentinel } from '../harness/redis-topology.js';
import { connectRedis, waitForReplicas } from '@lunas/runtime';
const s = await startRedisSentinel();
const r = connectRedis({ kind: 'sentinel', sentinels: s.sentinelPorts.map((port) => ({ host: '127.0.0.1', port })), masterName: s.masterName, tls: false }, 'producer');
r.on('error', () => undefined);
let stop = false;
const t0 = Date.now();
const log = (m: string) => console.log(((Date.now() - t0) / 1000).toFixed(1), m);
r.on('+node', () => log('node'));
for (const ev of ['ready', 'close', 'reconnecting', 'end', 'connect']) r.on(ev, () => log(`event ${ev} ${(r as any).stream?.remotePort ?? ''}`));
const loop = (async () => {
  while (!stop) {
    const t = Date.now();
    try {
      await Promise.race([(async () => { await r.set('k', String(t)); return waitForReplicas(r, 'k', 1, 1500); })().then((n) => log(`ok ${n} status=${r.status}`)), new Promise((_, rej) => setTimeout(() => rej(new Error('timeout')), 2000))]);
    } catch (e) { log(`err ${(e as Error).message} status=${r.status}`); }
    await new Promise((res) => setTimeout(res, 500));
  }
})();
await new Promise((res) => setTimeout(res, 1500));
const killed = await s.killMaster(); log(`killed ${killed}`);
const nm = await s.waitForFailover(killed); log(`failover to ${nm}`);
await s.restart(killed); log('restarted');
await new Promise((res) => setTimeout(res, 15000));
stop = true; await loop; r.disconnect(); await s.stop();
