import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Run } from '../engine/run.js';
import { catalogueDir } from '../scenario/catalogue.js';
import { loadScenarioFile } from '../scenario/load.js';
import { renderCharts, sparkline } from './charts.js';
import { makeChalk } from './colour.js';
import { renderReport } from './report.js';
import { stripAnsi } from './text.js';
import { clientSeries, stateColumns, TimelineRecorder } from './timeline.js';

async function recorded(name: string, opts: { baseline?: boolean; until?: number } = {}) {
  const s = await loadScenarioFile(path.join(catalogueDir, `${name}.yaml`), { baseline: opts.baseline ?? false });
  const rec = new TimelineRecorder();
  const run = new Run(s, [rec.listener]);
  const controller = new AbortController();
  if (opts.until !== undefined) {
    run.kernel.runUntil(opts.until);
    controller.abort();
  }
  // With a frame callback the run checks the signal before advancing: it stops right at `until`.
  const result = await run.execute({ speed: Infinity, signal: controller.signal, onFrame: () => {} });
  result.wallMs = 10;
  return { result, timeline: rec.timeline };
}

describe('sparklines', () => {
  it.each([
    [[undefined, 0, 1, 4, 8], 8, ' ·▁▄█'],
    [[2, 2, 2], 2, '███'],
    [[0, 0], 0, '··'],
  ])('%j scaled to %d → %j', (values, max, line) => {
    expect(sparkline(values, max)).toBe(line);
  });
});

describe('timeline series', () => {
  const bucket = (t: number, ok: number, failed = 0) => ({ t, intervalMs: 1000, ok, fallback: 0, failed, rejected: 0, p99: 10 });
  it('one column per bucket when they match', () => {
    const s = clientSeries([bucket(1000, 10), bucket(2000, 0, 10)], 2000, 2);
    expect(s.throughput).toEqual([10, 0]);
    expect(s.errorRate).toEqual([0, 1]);
  });
  it('a bucket wider than a column fills each column it covers', () => {
    expect(clientSeries([bucket(1000, 10), bucket(2000, 20)], 2000, 4).throughput).toEqual([10, 10, 20, 20]);
  });
  it('narrow buckets are summed into their column', () => {
    expect(clientSeries([bucket(1000, 10), bucket(2000, 20)], 2000, 1).throughput).toEqual([15]);
  });
  it('a state band shows the state held longest in each column', () => {
    const track = { component: 'b', kind: 'circuit-breaker', initial: 'CLOSED', changes: [{ t: 1500, to: 'OPEN' }, { t: 3900, to: 'CLOSED' }] };
    expect(stateColumns(track, 5000, 5)).toEqual(['CLOSED', 'OPEN', 'OPEN', 'OPEN', 'CLOSED']);
  });
});

describe('end-of-run charts', () => {
  const c = makeChalk(0);
  it('payment-outage: throughput, errors, p99, the outage and the breaker’s states', async () => {
    const { timeline } = await recorded('payment-outage');
    expect(renderCharts(timeline, c, 110)).toMatchSnapshot();
  });

  it('the baseline: no breaker band, errors through the whole outage', async () => {
    const { timeline } = await recorded('payment-outage', { baseline: true });
    const text = renderCharts(timeline, c, 110);
    expect(text).not.toContain('breaker');
    expect(text.split('\n').find((l) => l.includes('errors'))).toMatch(/█{18,}/);
  });

  it('never wider than the terminal, coloured or not', async () => {
    const { timeline } = await recorded('slow-payment');
    for (const width of [50, 80, 200]) {
      for (const line of stripAnsi(renderCharts(timeline, makeChalk(1), width)).split('\n')) expect([...line].length).toBeLessThanOrEqual(width);
    }
  });

  it('a run stopped early is stretched to a readable width, its axis ending where it stopped', async () => {
    const { timeline } = await recorded('payment-outage', { until: 10_000 });
    const lines = renderCharts(timeline, c, 110).split('\n');
    const axis = lines.find((l) => l.includes('0s') && l.trim().startsWith('0s'))!;
    expect(axis.trimEnd()).toMatch(/0s +5s +10s$/);
    const throughput = lines.find((l) => l.includes('throughput'))!;
    expect(throughput).not.toMatch(/[▁-█] [▁-█]/);
  });
});

describe('the HTML report', () => {
  it('is one self-contained page: no scripts, no URLs, a policy that forbids fetching', async () => {
    const runs = [await recorded('payment-outage'), await recorded('payment-outage', { baseline: true })].map((r) => ({ ...r, reproduce: 'npx patterns run payment-outage --seed 7' }));
    const html = renderReport(runs, { version: '1.2.3' });
    expect(html).toMatch(/^<!doctype html>/);
    expect(html).toContain(`content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`);
    expect(html).not.toMatch(/<script|<link|\bsrc=|\bhref=|url\(|@import|https?:\/\//i);
    expect(html.match(/<section class="run"/g)).toHaveLength(2);
    expect(html).toContain('<span class="badge good">passed</span>');
    expect(html).toContain('<span class="badge bad">failed</span>');
    expect(html).toContain('few calls reach payment while it is down');
    expect(html).toContain('<span class="state good">CLOSED</span> → <span class="state bad">OPEN</span>');
    expect(html).toContain('failure rate 50% ≥ 50% over the last 20 calls');
    expect(html.match(/<svg /g)!.length).toBe(2);
  });

  it('escapes what the scenario says', async () => {
    const r = await recorded('payment-outage');
    r.result.expectations[0]!.says = 'p99 <b>& "fast"</b>';
    const html = renderReport([{ ...r, reproduce: "x --set 'a=b'" }], { version: '0' });
    expect(html).toContain('p99 &lt;b&gt;&amp; &quot;fast&quot;&lt;/b&gt;');
    expect(html).toContain('x --set &#39;a=b&#39;');
  });
});
