/**
 * `node --import tsx bench/profile-summary.ts <file.cpuprofile> [--requests N] [--top 25]`
 *
 * Self time of a V8 CPU profile (node --cpu-prof) by package and by function: where the CPU
 * went, and with --requests, how many microseconds of it per request. A function's package is
 * read from its script URL: node_modules/<pkg> (or @scope/pkg), a workspace (apps/api,
 * packages/midtrans, …), node's own modules (node:…), or V8's pseudo-frames ((garbage
 * collector), (idle), (program)).
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export function packageOf(url: string, functionName: string): string {
  if (!url) {
    return functionName.startsWith('(') ? functionName : '(native)';
  }
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm?.[1]) {
    return nm[1];
  }
  if (url.startsWith('node:')) {
    return 'node internals';
  }
  const ws = /\/(apps|packages)\/([^/]+)\//.exec(url);
  if (ws) {
    return `@lunas/${ws[2]}`;
  }
  return url.replace(/^.*\//, '');
}

export interface ProfileRow {
  readonly name: string;
  readonly ms: number;
  readonly percent: number;
  readonly usPerRequest: number | null;
}

export interface ProfileSummary {
  readonly totalMs: number;
  /** Total minus (idle): what the process actually spent on the CPU. */
  readonly busyMs: number;
  readonly requests: number | null;
  readonly cpuUs: number | null;
  readonly byPackage: ProfileRow[];
  readonly byFunction: ProfileRow[];
}

/**
 * With `requests`, each row's µs per request; with `cpuUs` too (the process's CPU time over the
 * profile, from process.cpuUsage), the busy samples are scaled to that CPU time: V8 samples wall
 * time, so on a crowded machine a preempted thread would otherwise count as busy.
 */
export function summarizeProfile(
  file: string,
  per: { requests?: number; cpuUs?: number } = {},
  top = 25,
): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, i) => selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0)));
  const pkg = new Map<string, number>();
  const fn = new Map<string, number>();
  let total = 0;
  for (const [id, us] of selfUs) {
    const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
    const p = packageOf(url, functionName);
    pkg.set(p, (pkg.get(p) ?? 0) + us);
    const key = `${functionName || '(anonymous)'} ${p}${url ? `:${lineNumber + 1}` : ''}`;
    fn.set(key, (fn.get(key) ?? 0) + us);
    total += us;
  }
  const idle = pkg.get('(idle)') ?? 0;
  const busy = total - idle;
  const { requests, cpuUs } = per;
  const scale = cpuUs ? cpuUs / busy : 1;
  const rows = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, us]) => ({
        name,
        ms: Math.round(us / 1000),
        percent: Number(((us / total) * 100).toFixed(1)),
        usPerRequest:
          requests && name !== '(idle)' && !name.startsWith('(idle)')
            ? Number(((us * scale) / requests).toFixed(1))
            : null,
      }));
  return {
    totalMs: Math.round(total / 1000),
    busyMs: Math.round(busy / 1000),
    requests: requests ?? null,
    cpuUs: cpuUs ?? null,
    byPackage: rows(pkg),
    byFunction: rows(fn),
  };
}

export function printProfile(summary: ProfileSummary): void {
  const { requests, cpuUs } = summary;
  console.log(
    `profile: ${summary.totalMs} ms sampled, ${summary.busyMs} ms not idle` +
      (cpuUs ? `, ${Math.round(cpuUs / 1000)} ms CPU` : '') +
      (requests ? `, ${requests} requests` : '') +
      (requests && cpuUs ? `: ${(cpuUs / requests).toFixed(1)} µs CPU per request` : ''),
  );
  console.table(summary.byPackage);
  console.table(summary.byFunction);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: { requests: { type: 'string' }, top: { type: 'string', default: '25' } },
  });
  const requests = values.requests ? Number(values.requests) : undefined;
  for (const file of positionals) {
    printProfile(summarizeProfile(file, requests ? { requests } : {}, Number(values.top)));
  }
}
