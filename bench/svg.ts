/**
 * A small line chart as an SVG string (no browser, no dependency): one panel per batch size,
 * x = worker processes, one line per WORKER_CONCURRENCY, y = notifications/s, and the bare
 * baselines as dashed horizontal lines across every panel.
 */

export interface ScalingPoint {
  readonly workers: number;
  readonly concurrency: number;
  readonly batch: number;
  readonly rate: number;
}

export interface Baseline {
  readonly label: string;
  readonly rate: number;
}

const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#9467bd', '#ff7f0e', '#17becf'];
const PANEL_W = 300;
const PANEL_H = 260;
const MARGIN = { left: 64, right: 16, top: 70, bottom: 92 };
const GAP = 24;

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** A round step giving about five ticks up to max. */
function tickStep(max: number): number {
  const raw = max / 5;
  const magnitude = 10 ** Math.floor(Math.log10(raw));
  const ratio = raw / magnitude;
  return (ratio <= 1 ? 1 : ratio <= 2 ? 2 : ratio <= 5 ? 5 : 10) * magnitude;
}

const uniq = (xs: number[]) => [...new Set(xs)].sort((a, b) => a - b);

/** The grid swept: its axes stay whole when a variant has no point (skipped). */
export interface Grid {
  readonly workers: readonly number[];
  readonly concurrencies: readonly number[];
  readonly batches: readonly number[];
}

export function scalingSvg(
  title: string,
  points: readonly ScalingPoint[],
  baselines: readonly Baseline[],
  grid: Grid,
  note = '',
): string {
  const batches = uniq([...grid.batches]);
  const workers = uniq([...grid.workers]);
  const concurrencies = uniq([...grid.concurrencies]);
  const top = Math.max(1, ...points.map((p) => p.rate), ...baselines.map((b) => b.rate)) * 1.1;
  const step = tickStep(top);
  const yMax = Math.ceil(top / step) * step;
  const width = MARGIN.left + batches.length * PANEL_W + (batches.length - 1) * GAP + MARGIN.right;
  const height = MARGIN.top + PANEL_H + MARGIN.bottom;
  const y = (rate: number) => MARGIN.top + PANEL_H - (rate / yMax) * PANEL_H;
  const out: string[] = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="#fff"/>`,
    `<text x="${width / 2}" y="22" text-anchor="middle" font-size="15" font-weight="bold">${esc(title)}</text>`,
    note ? `<text x="${width / 2}" y="38" text-anchor="middle" fill="#555">${esc(note)}</text>` : '',
    `<text transform="translate(16 ${MARGIN.top + PANEL_H / 2}) rotate(-90)" text-anchor="middle">notifications / s</text>`,
  ];
  batches.forEach((batch, b) => {
    const x0 = MARGIN.left + b * (PANEL_W + GAP);
    const x = (w: number) => x0 + ((workers.indexOf(w) + 0.5) / workers.length) * PANEL_W;
    out.push(
      `<text x="${x0 + PANEL_W / 2}" y="${MARGIN.top - 10}" text-anchor="middle" font-weight="bold">NOTIFICATION_BATCH_MAX=${batch}</text>`,
      `<rect x="${x0}" y="${MARGIN.top}" width="${PANEL_W}" height="${PANEL_H}" fill="none" stroke="#999"/>`,
    );
    for (let t = 0; t <= yMax; t += step) {
      out.push(
        `<line x1="${x0}" x2="${x0 + PANEL_W}" y1="${y(t)}" y2="${y(t)}" stroke="#eee"/>`,
        b === 0 ? `<text x="${x0 - 6}" y="${y(t) + 4}" text-anchor="end">${t}</text>` : '',
      );
    }
    for (const w of workers) {
      out.push(`<text x="${x(w)}" y="${MARGIN.top + PANEL_H + 18}" text-anchor="middle">${w}</text>`);
    }
    out.push(
      `<text x="${x0 + PANEL_W / 2}" y="${MARGIN.top + PANEL_H + 36}" text-anchor="middle">worker processes</text>`,
    );
    baselines.forEach((base, i) => {
      out.push(
        `<line x1="${x0}" x2="${x0 + PANEL_W}" y1="${y(base.rate)}" y2="${y(base.rate)}" stroke="#444" stroke-dasharray="${i === 0 ? '6 4' : '2 3'}"/>`,
      );
    });
    concurrencies.forEach((c, i) => {
      const line = points
        .filter((p) => p.batch === batch && p.concurrency === c)
        .sort((p, q) => p.workers - q.workers);
      const color = COLORS[i % COLORS.length]!;
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="2" points="${line.map((p) => `${x(p.workers)},${y(p.rate)}`).join(' ')}"/>`,
        ...line.map(
          (p) =>
            `<circle cx="${x(p.workers)}" cy="${y(p.rate)}" r="3.5" fill="${color}"><title>${p.workers} x ${c} x ${batch}: ${Math.round(p.rate)}/s</title></circle>`,
        ),
      );
    });
  });
  // Legend under the panels.
  const legendY = MARGIN.top + PANEL_H + 62;
  let lx = MARGIN.left;
  concurrencies.forEach((c, i) => {
    const color = COLORS[i % COLORS.length]!;
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${legendY}" y2="${legendY}" stroke="${color}" stroke-width="2"/>`,
      `<text x="${lx + 28}" y="${legendY + 4}">WORKER_CONCURRENCY=${c}</text>`,
    );
    lx += 230;
  });
  lx = MARGIN.left;
  baselines.forEach((base, i) => {
    out.push(
      `<line x1="${lx}" x2="${lx + 22}" y1="${legendY + 18}" y2="${legendY + 18}" stroke="#444" stroke-dasharray="${i === 0 ? '6 4' : '2 3'}"/>`,
      `<text x="${lx + 28}" y="${legendY + 22}">${esc(base.label)} (${Math.round(base.rate)}/s)</text>`,
    );
    lx += 260;
  });
  out.push('</svg>');
  return `${out.filter((s) => s !== '').join('\n')}\n`;
}
