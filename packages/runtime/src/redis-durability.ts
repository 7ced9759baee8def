/**
 * A 200 to Midtrans means the job is in Redis. A Redis that may evict keys under memory
 * pressure (any maxmemory-policy but noeviction) can silently drop acknowledged jobs, and one
 * without persistence loses them on a crash. This reads the server's settings at start.
 */
import type { Redis } from 'ioredis';

export interface RedisDurability {
  /** null when CONFIG is not allowed (some managed Redis services). */
  readonly maxmemoryPolicy: string | null;
  readonly appendonly: string | null;
  readonly problems: string[];
}

export async function inspectRedisDurability(redis: Redis): Promise<RedisDurability> {
  const read = async (name: string): Promise<string | null> => {
    try {
      const reply = (await redis.call('CONFIG', 'GET', name)) as string[];
      return reply[1] ?? null;
    } catch {
      return null;
    }
  };
  const maxmemoryPolicy = await read('maxmemory-policy');
  const appendonly = await read('appendonly');
  const problems: string[] = [];
  if (maxmemoryPolicy === null) {
    problems.push('could not read maxmemory-policy (CONFIG GET refused); make sure it is noeviction');
  } else if (maxmemoryPolicy !== 'noeviction') {
    problems.push(
      `maxmemory-policy is ${maxmemoryPolicy}: Redis may evict queued notifications; set it to noeviction`,
    );
  }
  if (appendonly === 'no') {
    problems.push('appendonly is off: a Redis crash loses acknowledged notifications not yet applied');
  }
  return { maxmemoryPolicy, appendonly, problems };
}

/** True when the settings can lose jobs by eviction (the one case the API refuses in production). */
export function canEvictJobs(durability: RedisDurability): boolean {
  return durability.maxmemoryPolicy !== null && durability.maxmemoryPolicy !== 'noeviction';
}
