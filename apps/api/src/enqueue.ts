/**
 * Puts notification jobs on the queue and resolves each only once Redis has acknowledged it,
 * or rejects within `timeoutMs`. A rejection becomes a 503, which Midtrans retries; a job that
 * lands after the timeout is harmless, because the retry carries the same job id.
 *
 * Jobs that arrive in the same turn of the event loop are written with one addBulk (one MULTI,
 * one round trip) instead of one queue.add each: under load this is what keeps ingest close to
 * the speed of a trivial route (docs/decisions/0003-batched-enqueue.md, docs/benchmarks.md).
 * A batch is all or nothing, and every caller learns the result of its own batch.
 *
 * With `minReplicas` > 0 (ENQUEUE_MIN_REPLICAS) a batch is acknowledged only once Redis WAIT
 * reports that many replicas hold it, within what is left of the bound: a 200 then survives
 * the loss of the master (a failover promotes a replica that has the job). Fewer replicas in
 * time: the batch's callers get 503 and Midtrans retries; the retry carries the same job id,
 * so a job that did land is not added twice.
 */
import { JOBS, withTimeout, type NotificationJobData } from '@lunas/core';
import { waitForReplicas, type Redis } from '@lunas/runtime';
import type { Queue } from 'bullmq';
import type { Enqueue } from './ingest.js';

type JobOptions = Parameters<Enqueue>[1];

interface Pending {
  readonly data: NotificationJobData;
  readonly opts: JobOptions;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
}

/** The queue's Redis connection, as much of it as the enqueue needs to see. */
export interface ConnectionState {
  readonly status: string;
  once(event: 'ready', listener: () => void): unknown;
}

/** ENQUEUE_MIN_REPLICAS, and the connection the queue writes on (the queue's `connection`). */
export interface Replication {
  readonly minReplicas: number;
  readonly redis: Redis;
}

export function createEnqueue(
  queue: Queue,
  timeoutMs: number,
  maxBatch = 200,
  connection?: ConnectionState,
  replication?: Replication,
): Enqueue {
  const minReplicas = replication?.minReplicas ?? 0;
  let pending: Pending[] = [];
  let scheduled = false;
  // One wait per outage, shared by every batch: the producer connection has no offline queue
  // (an outage is a fast 503, not a pile of buffered commands), but a connection that is
  // reconnecting (this API just started, or a Redis blip) gets each request's bound to return.
  let reconnected: Promise<void> | null = null;
  const whenReady = (): Promise<void> => {
    if (!connection || connection.status === 'ready') {
      return Promise.resolve();
    }
    reconnected ??= new Promise<void>((resolve) =>
      connection.once('ready', () => {
        reconnected = null;
        resolve();
      }),
    );
    return reconnected;
  };

  // WAIT runs on the queue's own connection (the one addBulk wrote on), on the node of its keys.
  const replicated = async (remainingMs: number): Promise<void> => {
    if (!replication || remainingMs <= 0) {
      throw new Error('no time left to wait for replicas');
    }
    const acked = await waitForReplicas(replication.redis, queue.toKey('id'), minReplicas, remainingMs);
    if (acked < minReplicas) {
      throw new Error(`the job reached ${acked} of ${minReplicas} replicas in time`);
    }
  };

  const flush = (): void => {
    scheduled = false;
    const batch = pending;
    pending = [];
    if (batch.length === 0) {
      return;
    }
    // Bounded like the callers: a batch that cannot be written in time is dropped, and its
    // callers, already answered 503, are retried by Midtrans.
    const deadline = Date.now() + timeoutMs;
    withTimeout(whenReady(), timeoutMs, 'Redis connection not ready')
      .then(() =>
        queue.addBulk(batch.map((p) => ({ name: JOBS.processNotification, data: p.data, opts: p.opts }))),
      )
      .then(() => (minReplicas > 0 ? replicated(deadline - Date.now()) : undefined))
      .then(
        () => batch.forEach((p) => p.resolve()),
        (error: unknown) => batch.forEach((p) => p.reject(error)),
      );
  };

  return (data, opts) => {
    const acknowledged = new Promise<void>((resolve, reject) => {
      pending.push({ data, opts, resolve, reject });
    });
    if (pending.length >= maxBatch) {
      flush();
    } else if (!scheduled) {
      scheduled = true;
      setImmediate(flush);
    }
    return withTimeout(acknowledged, timeoutMs, `Redis did not acknowledge the job within ${timeoutMs} ms`);
  };
}
