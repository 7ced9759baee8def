/**
 * Real Redis topologies for the redis-ha tests and the chaos variants, on free local ports:
 * - a Redis Cluster of 3 masters and 3 replicas (`redis-server --cluster-enabled yes`, then
 *   `redis-cli --cluster create … --cluster-replicas 1 --cluster-yes`);
 * - a Sentinel setup: a master, one replica and three sentinels.
 * Every process is started here and stopped here by its PID; the data directory is removed.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Redis } from 'ioredis';
import { waitFor } from './wait-for.js';

const run = promisify(execFile);

export interface RedisNode {
  readonly port: number;
  readonly pid: number | undefined;
  readonly alive: boolean;
}

interface Managed {
  readonly port: number;
  readonly args: readonly string[];
  child: ChildProcess;
}

/** Data nodes started with a password (requirepass): their admin connections authenticate. */
const passwordOfPort = new Map<number, string>();

/** `--requirepass` and `--masterauth` for data nodes of a topology started with a password. */
const authArgs = (password: string | undefined): string[] =>
  password ? ['--requirepass', password, '--masterauth', password] : [];

/** A short-lived admin connection that never retries and never throws an unhandled error. */
function adminConnection(
  port: number,
  extra: { lazyConnect?: boolean; maxRetriesPerRequest?: number } = {},
): Redis {
  const redis = new Redis({
    port,
    host: '127.0.0.1',
    maxRetriesPerRequest: 1,
    retryStrategy: () => null,
    ...(passwordOfPort.has(port) ? { password: passwordOfPort.get(port) } : {}),
    ...extra,
  });
  redis.on('error', () => undefined);
  return redis;
}

async function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/** `count` free ports (and, with `bus`, each port + 10000 free too: the cluster bus). */
export async function freePorts(count: number, bus = false): Promise<number[]> {
  const ports: number[] = [];
  for (let attempt = 0; ports.length < count && attempt < 2_000; attempt++) {
    // Below Linux's ephemeral range (32768+), bus ports included, so an outgoing connection of
    // another test cannot take a port between this check and redis-server's bind.
    const port = 10_000 + Math.floor(Math.random() * 12_000);
    if (ports.includes(port) || (bus && ports.some((p) => p === port + 10_000 || p + 10_000 === port))) {
      continue;
    }
    if ((await portIsFree(port)) && (!bus || (await portIsFree(port + 10_000)))) {
      ports.push(port);
    }
  }
  if (ports.length < count) {
    throw new Error('could not find free ports');
  }
  return ports;
}

/** True when all[i] belongs to a `--replicaof host port` triple. */
function isReplicaOf(all: readonly string[], i: number): boolean {
  return all[i] === '--replicaof' || all[i - 1] === '--replicaof' || all[i - 2] === '--replicaof';
}

class Processes {
  readonly dir = mkdtempSync(join(tmpdir(), 'lunas-redis-'));
  private readonly managed = new Map<number, Managed>();

  start(port: number, args: readonly string[]): void {
    const child = spawn('redis-server', [...args], { cwd: this.dir, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout?.resume();
    child.stderr?.resume();
    this.managed.set(port, { port, args, child });
  }

  node(port: number): RedisNode {
    const m = this.managed.get(port);
    return {
      port,
      pid: m?.child.pid,
      alive: !!m && m.child.exitCode === null && m.child.signalCode === null,
    };
  }

  /** SIGKILL by PID: the crash a failover is for. */
  async kill(port: number): Promise<void> {
    const m = this.managed.get(port);
    if (!m?.child.pid || !this.node(port).alive) {
      return;
    }
    const exited = new Promise<void>((resolve) => m.child.once('exit', () => resolve()));
    process.kill(m.child.pid, 'SIGKILL');
    await exited;
  }

  /** Starts the process on `port` again with its original arguments (same data directory). */
  restart(port: number, extraArgs: readonly string[] = []): void {
    const m = this.managed.get(port);
    if (!m) {
      throw new Error(`no process on ${port}`);
    }
    this.start(port, [...m.args.filter((_, i, all) => !isReplicaOf(all, i)), ...extraArgs]);
    const restarted = this.managed.get(port);
    if (restarted) {
      // A later restart keeps the original arguments, not this one's extras.
      this.managed.set(port, { ...restarted, args: m.args });
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.managed.keys()].map((port) => this.kill(port)));
    rmSync(this.dir, { recursive: true, force: true });
  }
}

async function ping(port: number): Promise<boolean> {
  const redis = adminConnection(port, { lazyConnect: true, maxRetriesPerRequest: 0 });
  try {
    await redis.connect();
    return (await redis.ping()) === 'PONG';
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

async function info(port: number, section: string): Promise<string> {
  const redis = adminConnection(port);
  try {
    return await redis.info(section);
  } finally {
    redis.disconnect();
  }
}

const common = ['--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'no'];

export interface ClusterTopology {
  readonly ports: readonly number[];
  /** "127.0.0.1:p1,127.0.0.1:p2,…": the REDIS_CLUSTER_NODES value. */
  readonly nodesEnv: string;
  node(port: number): RedisNode;
  /** The port of the master that serves `key`'s slot now. */
  masterOf(key: string): Promise<number>;
  /** SIGKILLs the master of `key`'s slot and returns its port. */
  killMasterOf(key: string): Promise<number>;
  /** Waits until a live node serves `key`'s slot as master, other than `oldPort`. */
  waitForFailover(key: string, oldPort: number, timeoutMs?: number): Promise<number>;
  /** Restarts a killed node (it rejoins as a replica of the promoted one). */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisCluster(
  options: { nodeTimeoutMs?: number; password?: string } = {},
): Promise<ClusterTopology> {
  const processes = new Processes();
  const ports = await freePorts(6, true);
  try {
    for (const port of ports) {
      if (options.password) {
        passwordOfPort.set(port, options.password);
      }
      processes.start(port, [
        ...authArgs(options.password),
        '--port',
        String(port),
        ...common,
        '--cluster-enabled',
        'yes',
        '--cluster-config-file',
        `nodes-${port}.conf`,
        '--cluster-node-timeout',
        String(options.nodeTimeoutMs ?? 1_000),
        '--dbfilename',
        `dump-${port}.rdb`,
      ]);
    }
    await waitFor(async () => (await Promise.all(ports.map(ping))).every(Boolean), {
      timeoutMs: 10_000,
      what: 'cluster nodes up',
    });
    await run(
      'redis-cli',
      [
        '--cluster',
        'create',
        ...ports.map((p) => `127.0.0.1:${p}`),
        '--cluster-replicas',
        '1',
        '--cluster-yes',
        ...(options.password ? ['-a', options.password, '--no-auth-warning'] : []),
      ],
      { timeout: 30_000 },
    );
    await waitFor(
      async () => {
        const states = await Promise.all(ports.map((p) => info(p, 'replication').catch(() => '')));
        const clusterOk = await Promise.all(
          ports.map((p) => clusterInfo(p).then((s) => s.includes('cluster_state:ok'))),
        );
        const replicasUp = states.filter((s) => s.includes('master_link_status:up')).length;
        return clusterOk.every(Boolean) && replicasUp === 3;
      },
      { timeoutMs: 30_000, intervalMs: 200, what: 'cluster ok with 3 synced replicas' },
    );
  } catch (error) {
    await processes.stopAll();
    throw error;
  }

  const masterOf = async (key: string): Promise<number> => {
    for (const port of ports) {
      if (!processes.node(port).alive) {
        continue;
      }
      const redis = adminConnection(port);
      try {
        const slot = Number(await redis.call('CLUSTER', 'KEYSLOT', key));
        const ranges = (await redis.call('CLUSTER', 'SLOTS')) as [number, number, [string, number]][];
        const range = ranges.find(([from, to]) => slot >= from && slot <= to);
        if (range) {
          return Number(range[2][1]);
        }
      } catch {
        // try the next node
      } finally {
        redis.disconnect();
      }
    }
    throw new Error(`no master known for ${key}`);
  };

  return {
    ports,
    nodesEnv: ports.map((p) => `127.0.0.1:${p}`).join(','),
    node: (port) => processes.node(port),
    masterOf,
    async killMasterOf(key) {
      const port = await masterOf(key);
      await processes.kill(port);
      return port;
    },
    async waitForFailover(key, oldPort, timeoutMs = 20_000) {
      return waitFor(
        async () => {
          const port = await masterOf(key);
          if (port === oldPort || !processes.node(port).alive) {
            return null;
          }
          return (await clusterInfo(port)).includes('cluster_state:ok') ? port : null;
        },
        { timeoutMs, intervalMs: 200, what: 'cluster failover' },
      );
    },
    async restart(port) {
      processes.restart(port);
      await waitFor(
        async () => (await info(port, 'replication').catch(() => '')).includes('master_link_status:up'),
        { timeoutMs: 20_000, intervalMs: 200, what: `node ${port} back as a synced replica` },
      );
    },
    async stop() {
      await processes.stopAll();
      ports.forEach((port) => passwordOfPort.delete(port));
    },
  };
}

async function clusterInfo(port: number): Promise<string> {
  const redis = adminConnection(port);
  try {
    return String(await redis.call('CLUSTER', 'INFO'));
  } catch {
    return '';
  } finally {
    redis.disconnect();
  }
}

export interface SentinelTopology {
  readonly masterName: string;
  readonly dataPorts: readonly number[];
  readonly sentinelPorts: readonly number[];
  /** "127.0.0.1:s1,…": the REDIS_SENTINELS value. */
  readonly sentinelsEnv: string;
  node(port: number): RedisNode;
  /** The port the sentinels name as master now. */
  currentMaster(): Promise<number>;
  /** SIGKILLs the current master and returns its port. */
  killMaster(): Promise<number>;
  /** Waits until the sentinels have promoted a live node other than `oldPort`. */
  waitForFailover(oldPort: number, timeoutMs?: number): Promise<number>;
  /** Restarts a killed data node; the sentinels turn it into a replica of the new master. */
  restart(port: number): Promise<void>;
  stop(): Promise<void>;
}

export async function startRedisSentinel(options: { password?: string } = {}): Promise<SentinelTopology> {
  const processes = new Processes();
  const [masterPort, replicaPort, ...sentinelPorts] = (await freePorts(5)) as [number, number, ...number[]];
  const masterName = 'lunasmaster';
  if (options.password) {
    passwordOfPort.set(masterPort, options.password);
    passwordOfPort.set(replicaPort, options.password);
  }
  try {
    processes.start(masterPort, ['--port', String(masterPort), ...common, ...authArgs(options.password)]);
    processes.start(replicaPort, [
      '--port',
      String(replicaPort),
      ...common,
      ...authArgs(options.password),
      '--replicaof',
      '127.0.0.1',
      String(masterPort),
    ]);
    await waitFor(
      async () => (await info(replicaPort, 'replication').catch(() => '')).includes('master_link_status:up'),
      { timeoutMs: 15_000, intervalMs: 100, what: 'replica synced' },
    );
    for (const port of sentinelPorts) {
      const file = join(processes.dir, `sentinel-${port}.conf`);
      writeFileSync(
        file,
        [
          `port ${port}`,
          'bind 127.0.0.1',
          'protected-mode no',
          `sentinel monitor ${masterName} 127.0.0.1 ${masterPort} 2`,
          ...(options.password ? [`sentinel auth-pass ${masterName} ${options.password}`] : []),
          `sentinel down-after-milliseconds ${masterName} 1000`,
          `sentinel failover-timeout ${masterName} 5000`,
          `sentinel parallel-syncs ${masterName} 1`,
          '',
        ].join('\n'),
      );
      processes.start(port, [file, '--sentinel']);
    }
    await waitFor(
      async () => {
        const counts = await Promise.all(
          sentinelPorts.map(async (port) => {
            const text = await info(port, 'sentinel').catch(() => '');
            return /slaves=1,sentinels=3/.test(text);
          }),
        );
        return counts.every(Boolean);
      },
      { timeoutMs: 20_000, intervalMs: 200, what: 'sentinels see the replica and each other' },
    );
  } catch (error) {
    await processes.stopAll();
    throw error;
  }

  const currentMaster = async (): Promise<number> => {
    for (const port of sentinelPorts) {
      const redis = adminConnection(port);
      try {
        const reply = (await redis.call('SENTINEL', 'get-master-addr-by-name', masterName)) as [
          string,
          string,
        ];
        return Number(reply[1]);
      } catch {
        // ask the next sentinel
      } finally {
        redis.disconnect();
      }
    }
    throw new Error('no sentinel answered');
  };

  return {
    masterName,
    dataPorts: [masterPort, replicaPort],
    sentinelPorts,
    sentinelsEnv: sentinelPorts.map((p) => `127.0.0.1:${p}`).join(','),
    node: (port) => processes.node(port),
    currentMaster,
    async killMaster() {
      const port = await currentMaster();
      await processes.kill(port);
      return port;
    },
    async waitForFailover(oldPort, timeoutMs = 20_000) {
      return waitFor(
        async () => {
          const port = await currentMaster();
          if (port === oldPort || !processes.node(port).alive) {
            return null;
          }
          return (await info(port, 'replication').catch(() => '')).includes('role:master') ? port : null;
        },
        { timeoutMs, intervalMs: 200, what: 'sentinel failover' },
      );
    },
    async restart(port) {
      // As a Sentinel-aware supervisor does: start it as a replica of the master the sentinels
      // name now (the sentinels would convert it too, but only after their next INFO round).
      processes.restart(port, ['--replicaof', '127.0.0.1', String(await currentMaster())]);
      await waitFor(
        async () => (await info(port, 'replication').catch(() => '')).includes('master_link_status:up'),
        { timeoutMs: 30_000, intervalMs: 200, what: `node ${port} back as a synced replica` },
      );
    },
    async stop() {
      await processes.stopAll();
      passwordOfPort.delete(masterPort);
      passwordOfPort.delete(replicaPort);
    },
  };
}

export interface ReplicatedRedis {
  /** redis:// URL of the master. */
  readonly url: string;
  readonly masterPort: number;
  readonly replicaPort: number;
  stop(): Promise<void>;
}

/** A standalone master with one synced replica (what ENQUEUE_MIN_REPLICAS=1 needs), no sentinels. */
export async function startRedisWithReplica(): Promise<ReplicatedRedis> {
  const processes = new Processes();
  const [masterPort, replicaPort] = (await freePorts(2)) as [number, number];
  try {
    processes.start(masterPort, ['--port', String(masterPort), ...common]);
    processes.start(replicaPort, [
      '--port',
      String(replicaPort),
      ...common,
      '--replicaof',
      '127.0.0.1',
      String(masterPort),
    ]);
    await waitFor(
      async () => (await info(replicaPort, 'replication').catch(() => '')).includes('master_link_status:up'),
      { timeoutMs: 15_000, intervalMs: 100, what: 'replica synced' },
    );
  } catch (error) {
    await processes.stopAll();
    throw error;
  }
  return {
    url: `redis://127.0.0.1:${masterPort}`,
    masterPort,
    replicaPort,
    stop: () => processes.stopAll(),
  };
}

export interface StandaloneRedis {
  readonly port: number;
  readonly url: string;
  readonly child: ChildProcess;
  /** SIGTERM (or SIGKILL), and waits until it has exited. */
  stop(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>;
}

/**
 * One redis-server of a test's own, on a free port, keeping nothing on disk, with `args` added
 * (`--maxmemory 64mb`, `--maxmemory-policy allkeys-lru`, …); resolves once it answers PING.
 */
export async function startStandaloneRedis(args: readonly string[] = []): Promise<StandaloneRedis> {
  const [port] = await freePorts(1);
  if (port === undefined) {
    throw new Error('no free port for redis-server');
  }
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', ...args],
    { stdio: 'ignore' },
  );
  await waitFor(
    async () => {
      const probe = adminConnection(port, { lazyConnect: true });
      try {
        return await probe.ping().then(
          () => true,
          () => false,
        );
      } finally {
        probe.disconnect();
      }
    },
    { timeoutMs: 10_000, what: `redis-server on ${port}` },
  );
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    child,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode !== null || child.signalCode !== null) {
        return;
      }
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill(signal);
      await exited;
    },
  };
}
