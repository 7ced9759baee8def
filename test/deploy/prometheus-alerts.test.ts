/**
 * ops/prometheus/alerts.yml is valid rule-file YAML, and every lunas_ series it uses is one
 * the code registers (a renamed metric would otherwise silently disable its alert).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  createMetrics,
  registerPaymentHealth,
  registerQueueDepth,
  registerRedisMemory,
} from '@lunas/runtime';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { REPO_ROOT } from '../harness/system.js';

interface Rule {
  readonly alert: string;
  readonly expr: string;
  readonly for?: string;
  readonly labels?: Record<string, string>;
  readonly annotations?: Record<string, string>;
}

const file = parse(readFileSync(join(REPO_ROOT, 'ops/prometheus/alerts.yml'), 'utf8')) as {
  groups: { name: string; rules: Rule[] }[];
};

describe('ops/prometheus/alerts.yml', () => {
  const rules = file.groups.flatMap((group) => group.rules);

  it('is a rule file with named, labelled, explained alerts', () => {
    expect(file.groups.length).toBeGreaterThan(0);
    expect(rules.length).toBeGreaterThanOrEqual(8);
    for (const rule of rules) {
      expect(rule.alert).toMatch(/^Lunas[A-Za-z]+$/);
      expect(rule.expr.length).toBeGreaterThan(0);
      expect(rule.labels?.severity).toMatch(/^(page|warn)$/);
      expect(rule.annotations?.summary).toBeTruthy();
      if (rule.for) {
        expect(rule.for).toMatch(/^\d+[smh]$/);
      }
    }
    expect(new Set(rules.map((r) => r.alert)).size).toBe(rules.length);
  });

  it('uses only metrics the code registers', async () => {
    const metrics = createMetrics({ role: 'api', defaultMetrics: false });
    registerQueueDepth(metrics, []);
    registerRedisMemory(metrics, null);
    registerPaymentHealth(metrics, () => Promise.resolve({ stuck: 0, mismatches: {} }));
    const known = new Set((await metrics.registry.getMetricsAsJSON()).map((m) => m.name));
    for (const rule of rules) {
      for (const [name] of rule.expr.matchAll(/lunas_[a-z_]+/g)) {
        const base = name.replace(/_(bucket|count|sum)$/, '');
        expect({ rule: rule.alert, metric: name, known: known.has(base) || known.has(name) }).toEqual({
          rule: rule.alert,
          metric: name,
          known: true,
        });
      }
    }
  });

  it('warns before Redis fills, and never divides by an unlimited (0) maxmemory', () => {
    const high = rules.find((r) => r.alert === 'LunasRedisMemoryHigh');
    expect(high?.expr).toContain('lunas_redis_used_memory_bytes');
    expect(high?.expr).toContain('lunas_redis_maxmemory_bytes > 0');
    const [, threshold] = /\)\s*>\s*(0\.\d+)\s*$/.exec(high?.expr ?? '') ?? [];
    expect(Number(threshold)).toBeGreaterThan(0);
    expect(Number(threshold)).toBeLessThan(1);
    expect(high?.for).toBeTruthy();
    const unlimited = rules.find((r) => r.alert === 'LunasRedisNoMaxmemory');
    expect(unlimited?.expr).toMatch(/lunas_redis_maxmemory_bytes\)\s*==\s*0/);
  });
});
