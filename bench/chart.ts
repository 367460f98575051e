// Charts for the README, drawn from a results file as plain SVG (no dependencies):
//   bench/results/ops.svg     client CPU per get/set, ours beside connect-mongo, and what encryption adds
//   bench/results/growth.svg  get/set cost, read-everything times and memory from 1,000 to 100,000 sessions
// npm run bench writes them after a full run; by hand: npx tsx bench/chart.ts [bench/results/latest.json]
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Results } from './lib/report';
import type { GrowthCell } from './sections/growth';
import { median } from './lib/stats';

const OURS = '#2f6fb0';
const THEIRS = '#d9822b';
const GREY = '#888';
const GREEN = '#5a9e4b';
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, sans-serif"';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const text = (x: number, y: number, s: string, extra = '') => `<text x="${x.toFixed(1)}" y="${y.toFixed(1)}" ${extra}>${esc(s)}</text>`;
const num = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));
const tick = (x: number) => (Number.isInteger(x) ? x.toLocaleString('en-US') : num(x));
const svg = (w: number, h: number, body: string[]) =>
  `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${FONT} font-size="12">\n<rect width="100%" height="100%" fill="#fff"/>\n${body.join('\n')}\n</svg>\n`;

function legend(x: number, y: number, items: { label: string; color: string; dash?: boolean }[]): string[] {
  const out: string[] = [];
  let cx = x;
  for (const it of items) {
    out.push(`<line x1="${cx}" y1="${y - 4}" x2="${cx + 18}" y2="${y - 4}" stroke="${it.color}" stroke-width="3"${it.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
    out.push(text(cx + 23, y, it.label));
    cx += 30 + it.label.length * 6.6;
  }
  return out;
}

/** Horizontal bars, one group per row, one bar per series; on a log axis (lo…hi) or a linear one (0…hi). */
function bars(x0: number, y0: number, width: number, rows: { label: string; values: (number | undefined)[] }[], colors: string[], lo: number, hi: number, log = true): { body: string[]; height: number } {
  const body: string[] = [];
  const labelW = 210;
  const plotW = width - labelW - 60;
  const bar = 9;
  const rowH = colors.length * (bar + 2) + 8;
  const sx = (v: number) => x0 + labelW + (log ? (plotW * Math.log10(Math.max(v, lo) / lo)) / Math.log10(hi / lo) : (plotW * v) / hi);
  const height = rows.length * rowH + 24;
  for (const d of log ? decades(lo, hi) : [0, hi / 4, hi / 2, (3 * hi) / 4, hi]) {
    body.push(`<line x1="${sx(d)}" y1="${y0}" x2="${sx(d)}" y2="${y0 + rows.length * rowH}" stroke="#ddd"/>`);
    body.push(text(sx(d), y0 + rows.length * rowH + 14, `${tick(d)} µs`, 'text-anchor="middle" fill="#555"'));
  }
  rows.forEach((r, i) => {
    const y = y0 + i * rowH + 4;
    body.push(text(x0 + labelW - 8, y + rowH / 2 - 2, r.label, 'text-anchor="end"'));
    r.values.forEach((v, k) => {
      if (v === undefined) return;
      const yb = y + k * (bar + 2);
      body.push(`<rect x="${x0 + labelW}" y="${yb}" width="${(sx(v) - x0 - labelW).toFixed(1)}" height="${bar}" fill="${colors[k]}"/>`);
      body.push(text(sx(v) + 4, yb + bar - 1, num(v), 'font-size="10" fill="#333"'));
    });
  });
  return { body, height };
}

export function opsChart(r: Results): string | undefined {
  if (!r.ops?.length) return undefined;
  const W = 760;
  const body: string[] = [text(16, 24, 'Client CPU per operation, µs (median of interleaved rounds; log scale)', 'font-size="15" font-weight="600"')];
  body.push(...legend(16, 46, [{ label: 'ours', color: OURS }, { label: 'connect-mongo 6.0.0', color: THEIRS }]));
  const rows: { label: string; values: (number | undefined)[] }[] = [];
  for (const mode of ['plain', 'webcrypto', 'kruptein']) {
    for (const op of ['get-hit', 'set-update']) {
      for (const c of [1, 64]) {
        const cell = r.ops.find((x) => x.mode === mode && x.op === op && x.concurrency === c);
        if (cell) rows.push({ label: `${mode} ${op === 'get-hit' ? 'get' : 'set'}, ${c === 1 ? 'one at a time' : '64 concurrent'}`, values: [median(cell.ours.cpuUsPerOp), median(cell.theirs.cpuUsPerOp)] });
      }
    }
  }
  const b1 = bars(16, 60, W - 16, rows, [OURS, THEIRS], 1, 10_000);
  body.push(...b1.body);
  let y = 60 + b1.height + 20;
  if (r.overhead?.ops.length) {
    body.push(text(16, y, 'What encryption adds to our own plain store, one operation at a time (client CPU, µs)', 'font-size="15" font-weight="600"'));
    body.push(...legend(16, y + 22, [{ label: 'ours plain', color: GREY }, { label: 'ours encrypted', color: OURS }]));
    const rows2 = r.overhead.ops.map((o) => ({
      label: `${o.mode} ${o.op === 'get-hit' ? 'get' : 'set'} (+${num(o.extraUs.median)} µs)`,
      values: [median(o.cell.theirs.cpuUsPerOp), median(o.cell.ours.cpuUsPerOp)],
    }));
    const b2 = bars(16, y + 36, W - 16, rows2, [GREY, OURS], 0, niceMax(Math.max(...rows2.flatMap((x) => x.values as number[]))), false);
    body.push(...b2.body);
    y += 36 + b2.height;
  }
  return svg(W, y + 10, body);
}

interface Series {
  label: string;
  color: string;
  dash?: boolean;
  points: [number, number][];
}

/** A small line chart: x on a log scale (sessions), y linear from 0 or log. */
function linePanel(x0: number, y0: number, w: number, h: number, title: string, unit: string, series: Series[], logY: boolean): string[] {
  const body: string[] = [text(x0, y0 - 8, `${title}, ${unit}`, 'font-size="13" font-weight="600"')];
  const all = series.flatMap((s) => s.points);
  if (!all.length) return body;
  const xs = [...new Set(all.map((p) => p[0]))].sort((a, b) => a - b);
  const yMaxRaw = Math.max(...all.map((p) => p[1]));
  const yMinRaw = Math.min(...all.map((p) => p[1]).filter((v) => v > 0));
  const lo = logY ? 10 ** Math.floor(Math.log10(yMinRaw)) : 0;
  const hi = logY ? 10 ** Math.ceil(Math.log10(yMaxRaw)) : niceMax(yMaxRaw);
  const left = x0 + 46;
  const pw = w;
  const sx = (v: number) => (xs.length === 1 ? left + pw / 2 : left + (pw * Math.log10(v / xs[0])) / Math.log10(xs[xs.length - 1] / xs[0]));
  const sy = (v: number) => (logY ? y0 + h - (h * Math.log10(Math.max(v, lo) / lo)) / Math.log10(hi / lo) : y0 + h - (h * v) / hi);
  const ticks = logY ? decades(lo, hi) : [0, hi / 4, hi / 2, (3 * hi) / 4, hi];
  for (const t of ticks) {
    body.push(`<line x1="${left}" y1="${sy(t).toFixed(1)}" x2="${left + pw}" y2="${sy(t).toFixed(1)}" stroke="#e4e4e4"/>`);
    body.push(text(left - 5, sy(t) + 4, tick(t), 'text-anchor="end" font-size="10" fill="#555"'));
  }
  for (const x of xs) body.push(text(sx(x), y0 + h + 14, x.toLocaleString('en-US'), 'text-anchor="middle" font-size="10" fill="#555"'));
  const labels: { y: number; x: number; s: Series }[] = [];
  for (const s of series) {
    if (!s.points.length) continue;
    const d = s.points.map((p, i) => `${i ? 'L' : 'M'}${sx(p[0]).toFixed(1)},${sy(p[1]).toFixed(1)}`).join(' ');
    body.push(`<path d="${d}" fill="none" stroke="${s.color}" stroke-width="2"${s.dash ? ' stroke-dasharray="5 3"' : ''}/>`);
    for (const p of s.points) body.push(`<circle cx="${sx(p[0]).toFixed(1)}" cy="${sy(p[1]).toFixed(1)}" r="2.5" fill="${s.color}"/>`);
    const last = s.points[s.points.length - 1];
    labels.push({ x: sx(last[0]) + 5, y: sy(last[1]) + 3, s });
  }
  // Line-end labels pushed apart so that none overlaps another.
  labels.sort((a, b) => a.y - b.y);
  for (let i = 1; i < labels.length; i++) labels[i].y = Math.max(labels[i].y, labels[i - 1].y + 11);
  for (const l of labels) body.push(text(l.x, l.y, l.s.label, `font-size="10" fill="${l.s.color}"`));
  return body;
}

function niceMax(v: number): number {
  const p = 10 ** Math.floor(Math.log10(v));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= v * 1.05) return m * p;
  return 10 * p;
}

function decades(lo: number, hi: number): number[] {
  const out: number[] = [];
  for (let d = lo; d <= hi * 1.0001; d *= 10) out.push(d);
  return out;
}

export function growthChart(r: Results): string | undefined {
  const g = r.growth;
  if (!g?.length) return undefined;
  const pts = (f: (c: GrowthCell) => number | undefined): [number, number][] =>
    g.flatMap((c) => {
      const v = f(c);
      return v === undefined ? [] : [[c.sessions, v] as [number, number]];
    });
  const W = 1110;
  const pw = 270; // plot width; each panel also keeps room on its right for the line labels
  const ph = 170;
  const step = pw + 80;
  const body: string[] = [text(16, 24, 'As the collection grows (plain, test server; x: stored sessions, log scale)', 'font-size="15" font-weight="600"')];
  body.push(...legend(16, 46, [{ label: 'ours', color: OURS }, { label: 'connect-mongo 6.0.0', color: THEIRS, dash: true }]));
  const y0 = 90;
  body.push(
    ...linePanel(16, y0, pw, ph, 'get and set: client CPU per op', 'µs', [
      { label: 'get', color: OURS, points: pts((c) => median(c.get.ours.cpuUsPerOp)) },
      { label: 'set', color: OURS, points: pts((c) => median(c.set.ours.cpuUsPerOp)) },
      { label: 'get', color: THEIRS, dash: true, points: pts((c) => median(c.get.theirs.cpuUsPerOp)) },
      { label: 'set', color: THEIRS, dash: true, points: pts((c) => median(c.set.theirs.cpuUsPerOp)) },
    ], false),
  );
  body.push(
    ...linePanel(16 + step, y0, pw, ph, 'Reading everything: wall time', 'ms', [
      { label: 'all()', color: OURS, points: pts((c) => c.all?.ours.ms) },
      { label: 'all()', color: THEIRS, dash: true, points: pts((c) => c.all?.theirs.ms) },
      { label: 'entries()', color: GREEN, points: pts((c) => c.entries.ms) },
      { label: 'length()', color: OURS, points: pts((c) => median(c.length.ours)) },
      { label: 'length()', color: THEIRS, dash: true, points: pts((c) => median(c.length.theirs)) },
      { label: 'clear()', color: GREY, points: pts((c) => c.clear.ms) },
    ], true),
  );
  body.push(
    ...linePanel(16 + 2 * step, y0, pw, ph, 'Heap held while reading', 'MB', [
      { label: 'all()', color: OURS, points: pts((c) => c.all?.ours.heapMB) },
      { label: 'all()', color: THEIRS, dash: true, points: pts((c) => c.all?.theirs.heapMB) },
      { label: 'ids()', color: GREY, points: pts((c) => c.ids.heapMB) },
      { label: 'entries(), peak', color: GREEN, points: pts((c) => Math.max(c.entries.heapMB ?? 0, 0.1)) },
    ], true),
  );
  return svg(W, y0 + ph + 40, body);
}

/** Writes the charts next to the results file; returns the files written. */
export function writeCharts(r: Results, dir: string): string[] {
  const out: string[] = [];
  for (const [name, draw] of [['ops.svg', opsChart], ['growth.svg', growthChart]] as const) {
    const s = draw(r);
    if (!s) continue;
    writeFileSync(path.join(dir, name), s);
    out.push(path.join(dir, name));
  }
  return out;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) {
  const file = process.argv[2] ?? path.join(path.dirname(fileURLToPath(import.meta.url)), 'results/latest.json');
  const written = writeCharts(JSON.parse(readFileSync(file, 'utf8')) as Results, path.dirname(file));
  console.log(written.length ? `wrote ${written.join(', ')}` : `nothing to draw in ${file}`);
}
