import { describe, expect, it } from 'vitest';
import { NOTIFICATION_RETRY_DEFAULTS, notificationJobOptions } from './jobs.js';

describe('notification job options', () => {
  it('keeps completed jobs a day but at most the newest 100,000, and every dead letter', () => {
    const options = notificationJobOptions('ntf-1', NOTIFICATION_RETRY_DEFAULTS);
    expect(options.removeOnComplete).toEqual({ age: 24 * 3600, count: 100_000 });
    expect(options.removeOnFail).toBe(false);
    expect(options.stackTraceLimit).toBe(1);
    expect(options.jobId).toBe('ntf-1');
  });

  it('takes the age from the policy and the count from it when given', () => {
    const policy = { attempts: 3, backoffMs: 10, keepCompletedSeconds: 600 };
    expect(notificationJobOptions('ntf-2', policy).removeOnComplete).toEqual({ age: 600, count: 100_000 });
    expect(notificationJobOptions('ntf-3', { ...policy, keepCompletedCount: 5 }).removeOnComplete).toEqual({
      age: 600,
      count: 5,
    });
  });
});
