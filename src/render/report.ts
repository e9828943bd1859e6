import { formatClock, formatCount, formatDuration, formatPercent, formatRate } from '../core/units.js';
import type { RunResult } from '../engine/run.js';
import { stateTone } from './colour.js';
import { clientSeries, statesSeen, type FaultWindow, type StateTrack, type Timeline } from './timeline.js';

export interface ReportRun {
  result: RunResult;
  timeline: Timeline;
  /** The command that reproduces the run. */
  reproduce: string;
}

const WIDTH = 960;
const LEFT = 96;
const PLOT = WIDTH - LEFT - 16;
const CHART_HEIGHT = 70;
const LANE_HEIGHT = 18;

/**
 * One self-contained HTML page for one or more runs: verdict, expectations, charts (inline
 * SVG) with fault windows and state bands, faults, what callers saw, and every transition.
 * No scripts, no network: a Content-Security-Policy forbids anything not in the file.
 */
export function renderReport(runs: readonly ReportRun[], meta: { version: string }): string {
  const title = runs.length === 1 ? `${label(runs[0]!.result)} · patterns report` : `${runs.length} runs · patterns report`;
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)}</title>
<style>${STYLE}</style>
</head>
<body>
<header><h1>patterns report</h1><p class="dim">${runs.length} run${runs.length === 1 ? '' : 's'} · patterns ${esc(meta.version)} · simulated time, deterministic: the same seed gives the same run</p></header>
${runs.map(section).join('\n')}
</body>
</html>
`;
}

function label(r: RunResult): string {
  const s = r.scenario;
  return s.variant === 'main' ? s.name : `${s.name} (${s.variant})`;
}

function section(run: ReportRun): string {
  const { result: r, timeline: tl } = run;
  const s = r.scenario;
  const verdict = r.interrupted ? ['stopped', 'between'] : r.passed ? ['passed', 'good'] : ['failed', 'bad'];
  const sum = r.summary.expectations;
  return `<section class="run" id="${esc(label(r).replace(/[^a-z0-9-]+/g, '-'))}">
<h2>${esc(label(r))} <span class="badge ${verdict[1]}">${verdict[0]}</span></h2>
<p class="title">${esc(s.title)}${s.variantTitle ? ` <span class="dim">— ${esc(s.variantTitle)}</span>` : ''}</p>
<p class="goal">${esc(s.goal)}</p>
<p class="dim">pattern ${esc(s.pattern)} · seed ${s.seed} · ${formatDuration(r.simulatedMs)} simulated${r.interrupted ? ` (stopped before ${formatDuration(s.duration)})` : ''} · ${formatCount(r.summary.eventsRun)} events · ${sum.passed} held, ${sum.failed} failed${sum.skipped ? `, ${sum.skipped} skipped` : ''}</p>
<h3>Expectations</h3>
${expectations(r)}
<h3>Over time</h3>
${charts(tl)}
<h3>Faults</h3>
${faults(tl.faults)}
<h3>What callers saw</h3>
${calls(r)}
<h3>Transitions</h3>
${transitions(tl)}
<p class="reproduce">Reproduce: <code>${esc(run.reproduce)}</code></p>
</section>`;
}

function expectations(r: RunResult): string {
  const rows = r.expectations.map((e) => {
    const mark = e.skipped ? ['–', 'skip'] : e.passed ? ['✓', 'good'] : ['✗', 'bad'];
    return `<tr class="${mark[1]}"><td class="mark">${mark[0]}</td><td>${esc(e.says)}</td><td>${esc(e.measured)}</td><td class="dim">${esc(e.expected)}</td></tr>`;
  });
  return `<table class="expectations"><thead><tr><th></th><th>expectation</th><th>measured</th><th>expected</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function calls(r: RunResult): string {
  if (r.summary.clients.length === 0) return '<p class="dim">no clients</p>';
  const ms = (v: number, n: number) => (n ? formatDuration(v) : '—');
  const rows = r.summary.clients.map(
    (c) =>
      `<tr><td>${esc(c.component)}</td><td>${c.calls}</td><td>${c.ok}</td><td>${c.failed}</td><td>${c.rejected}</td><td>${c.fallback}</td><td>${ms(c.latency.p50, c.latency.count)}</td><td>${ms(c.latency.p95, c.latency.count)}</td><td>${ms(c.latency.p99, c.latency.count)}</td></tr>`,
  );
  return `<table class="num"><thead><tr><th>client</th><th>calls</th><th>ok</th><th>failed</th><th>rejected</th><th>fallback</th><th>p50</th><th>p95</th><th>p99</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function faults(list: readonly FaultWindow[]): string {
  if (list.length === 0) return '<p class="dim">no faults</p>';
  const rows = list.map(
    (f) =>
      `<tr><td>${esc(f.id)}</td><td>${esc(f.fault)}</td><td>${esc(f.target)}</td><td>${esc(f.description)}</td><td>${formatClock(f.start)}</td><td>${f.end === undefined ? 'to the end' : formatClock(f.end)}</td><td>${f.manual ? 'by hand' : 'scheduled'}</td></tr>`,
  );
  return `<table><thead><tr><th>id</th><th>kind</th><th>target</th><th>effect</th><th>start</th><th>end</th><th>how</th></tr></thead><tbody>${rows.join('')}</tbody></table>`;
}

function transitions(tl: Timeline): string {
  if (tl.transitions.length === 0) return '<p class="dim">no state changes</p>';
  const rows = tl.transitions.map(
    (t) =>
      `<tr><td class="t">${formatClock(t.t)}</td><td>${esc(t.component)}</td><td><span class="state ${stateTone(t.from)}">${esc(t.from)}</span> → <span class="state ${stateTone(t.to)}">${esc(t.to)}</span></td><td class="dim">${esc(t.cause)}</td></tr>`,
  );
  const dropped = tl.transitionsDropped ? `<p class="dim">…and ${formatCount(tl.transitionsDropped)} more, left out</p>` : '';
  return `<table class="transitions"><thead><tr><th>time</th><th>component</th><th>change</th><th>cause</th></tr></thead><tbody>${rows.join('')}</tbody></table>${dropped}`;
}

function charts(tl: Timeline): string {
  const span = tl.endMs > 0 ? tl.endMs : tl.durationMs;
  if (span <= 0) return '<p class="dim">nothing ran</p>';
  const x = (t: number) => LEFT + (Math.max(0, Math.min(span, t)) / span) * PLOT;
  const out: string[] = [];
  for (const client of tl.clients) {
    const columns = Math.max(1, Math.min(600, client.buckets.length));
    const series = clientSeries(client.buckets, span, columns);
    const at = (i: number) => x((i + 0.5) * series.columnMs);
    const maxRate = Math.max(1, ...series.throughput.filter(isNum));
    const maxP99 = Math.max(1, ...series.p99.filter(isNum));
    const rows = [
      { name: 'throughput', values: series.throughput, max: maxRate, cls: 'rate', top: `${formatRate(maxRate)}` },
      { name: 'error rate', values: series.errorRate, max: 1, cls: 'errors', top: formatPercent(1) },
      { name: 'p99', values: series.p99, max: maxP99, cls: 'p99', top: formatDuration(maxP99) },
    ];
    const lanes = tl.states;
    const height = rows.length * (CHART_HEIGHT + 12) + lanes.length * (LANE_HEIGHT + 4) + 30;
    const parts: string[] = [];
    rows.forEach((row, i) => {
      const y0 = i * (CHART_HEIGHT + 12) + 4;
      const y = (v: number) => y0 + CHART_HEIGHT - (v / row.max) * CHART_HEIGHT;
      for (const f of tl.faults) {
        parts.push(`<rect class="fault" x="${n(x(f.start))}" y="${y0}" width="${n(x(f.end ?? span) - x(f.start))}" height="${CHART_HEIGHT}"><title>${esc(`${f.id}: ${f.description}`)}</title></rect>`);
      }
      parts.push(`<line class="axis" x1="${LEFT}" y1="${y0 + CHART_HEIGHT}" x2="${LEFT + PLOT}" y2="${y0 + CHART_HEIGHT}"/>`);
      parts.push(`<text class="label" x="4" y="${y0 + CHART_HEIGHT / 2 + 4}">${row.name}</text>`);
      parts.push(`<text class="scale" x="${LEFT - 4}" y="${y0 + 10}" text-anchor="end">${esc(row.top)}</text>`);
      for (const segment of segments(row.values)) {
        const points = segment.map(([i, v]) => `${n(at(i))},${n(y(v))}`).join(' ');
        parts.push(`<polyline class="line ${row.cls}" points="${points}"/>`);
      }
    });
    let laneY = rows.length * (CHART_HEIGHT + 12) + 4;
    for (const track of lanes) {
      parts.push(`<text class="label" x="4" y="${laneY + 13}">${esc(track.component)}</text>`);
      for (const seg of stateSegments(track, span)) {
        const w = x(seg.to) - x(seg.from);
        parts.push(`<rect class="lane ${stateTone(seg.state)}" x="${n(x(seg.from))}" y="${laneY}" width="${n(w)}" height="${LANE_HEIGHT}"><title>${esc(`${track.component} ${seg.state} ${formatClock(seg.from)}–${formatClock(seg.to)}`)}</title></rect>`);
        if (w > seg.state.length * 7 + 6) parts.push(`<text class="lane-text ${stateTone(seg.state)}" x="${n(x(seg.from) + 3)}" y="${laneY + 13}">${esc(seg.state)}</text>`);
      }
      laneY += LANE_HEIGHT + 4;
    }
    for (let i = 0; i <= 4; i++) {
      const t = (span * i) / 4;
      parts.push(`<text class="tick" x="${n(x(t))}" y="${laneY + 14}" text-anchor="${i === 0 ? 'start' : i === 4 ? 'end' : 'middle'}">${t === 0 ? '0s' : formatDuration(t)}</text>`);
    }
    const states = lanes.map((t) => `${esc(t.component)}: ${statesSeen(t).map((s) => `<span class="state ${stateTone(s)}">${esc(s)}</span>`).join(' ')}`).join(' · ');
    out.push(
      `<figure><figcaption>${esc(client.name)} <span class="dim">— answered calls per second, share of calls failed or rejected, p99 latency; shaded: fault windows${states ? `; bands: ${states}` : ''}</span></figcaption>` +
        `<svg viewBox="0 0 ${WIDTH} ${height}" width="${WIDTH}" height="${height}" role="img" aria-label="${esc(client.name)} over time">${parts.join('')}</svg></figure>`,
    );
  }
  return out.join('\n') || '<p class="dim">no clients to chart</p>';
}

/** Runs of defined values, so a gap in the data is a gap in the line. */
function segments(values: readonly (number | undefined)[]): [number, number][][] {
  const out: [number, number][][] = [];
  let current: [number, number][] = [];
  values.forEach((v, i) => {
    if (v === undefined) {
      if (current.length) out.push(current);
      current = [];
    } else {
      current.push([i, v]);
    }
  });
  if (current.length) out.push(current);
  return out.map((s) => (s.length === 1 ? [s[0]!, s[0]!] : s));
}

function stateSegments(track: StateTrack, span: number): { state: string; from: number; to: number }[] {
  const out: { state: string; from: number; to: number }[] = [];
  let state = track.initial;
  let from = 0;
  for (const change of track.changes) {
    if (change.t > from) out.push({ state, from, to: change.t });
    state = change.to;
    from = change.t;
  }
  if (span > from) out.push({ state, from, to: span });
  return out;
}

function isNum(v: number | undefined): v is number {
  return v !== undefined;
}

function n(v: number): string {
  return String(Math.round(v * 10) / 10);
}

export function esc(text: string): string {
  return text.replace(/[&<>"']/g, (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!);
}

const STYLE = `
:root { --good: #1a7f37; --bad: #cf222e; --between: #b7791f; --fault: #8250df; --ink: #1f2328; --dim: #656d76; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink); margin: 24px auto; max-width: 1000px; padding: 0 16px; }
h1 { font-size: 22px; margin: 0 0 4px; }
h2 { font-size: 19px; margin: 0 0 4px; }
h3 { font-size: 15px; margin: 20px 0 6px; }
.run { border-top: 2px solid var(--line); padding-top: 16px; margin-top: 24px; }
.title { font-weight: 600; margin: 2px 0; }
.goal { margin: 2px 0; font-style: italic; }
.dim { color: var(--dim); }
.badge { font-size: 12px; padding: 2px 8px; border-radius: 10px; color: #fff; vertical-align: middle; }
.badge.good { background: var(--good); } .badge.bad { background: var(--bad); } .badge.between { background: var(--between); }
table { border-collapse: collapse; width: 100%; font-size: 13px; }
th, td { text-align: left; padding: 3px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { color: var(--dim); font-weight: 500; }
table.num td:not(:first-child), table.num th:not(:first-child) { text-align: right; font-variant-numeric: tabular-nums; }
tr.good .mark { color: var(--good); font-weight: 700; } tr.bad .mark { color: var(--bad); font-weight: 700; } tr.skip { color: var(--dim); }
td.t { font-variant-numeric: tabular-nums; white-space: nowrap; }
.state { font-weight: 600; } .state.good { color: var(--good); } .state.bad { color: var(--bad); } .state.between { color: var(--between); }
figure { margin: 8px 0 16px; } figcaption { margin-bottom: 4px; }
svg { max-width: 100%; height: auto; font: 11px system-ui, sans-serif; }
svg .line { fill: none; stroke-width: 1.6; } svg .rate { stroke: #0969da; } svg .errors { stroke: var(--bad); } svg .p99 { stroke: var(--between); }
svg .fault { fill: var(--fault); opacity: 0.12; }
svg .axis { stroke: var(--line); }
svg .label { fill: var(--ink); } svg .scale, svg .tick { fill: var(--dim); }
svg .lane.good { fill: var(--good); opacity: 0.35; } svg .lane.bad { fill: var(--bad); opacity: 0.8; } svg .lane.between { fill: var(--between); opacity: 0.7; }
svg .lane-text { fill: #fff; font-size: 10px; font-weight: 600; } svg .lane-text.good { fill: #0b3d1a; }
.reproduce code { background: #f6f8fa; padding: 2px 6px; border-radius: 4px; }
`;
