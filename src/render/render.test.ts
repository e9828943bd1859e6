import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Run } from '../engine/run.js';
import { catalogueDir } from '../scenario/catalogue.js';
import { loadScenarioFile } from '../scenario/load.js';
import { makeChalk } from './colour.js';
import { LiveTable, SHOW_CURSOR, HIDE_CURSOR } from './live.js';
import { BufferOutput } from './output.js';
import { renderSummary } from './summary.js';
import { stripAnsi } from './text.js';
import { renderJunit } from './junit.js';

const c = makeChalk(1);

async function watched(until: number) {
  const s = await loadScenarioFile(path.join(catalogueDir, 'payment-outage.yaml'));
  const out = new BufferOutput({ isTTY: true, columns: 110, rows: 40 });
  const live = new LiveTable(out, c);
  const run = new Run(s, [live.listener]);
  run.kernel.runUntil(until);
  return { run, live, out };
}

describe('live table', () => {
  it('a frame mid-outage, ANSI stripped', async () => {
    const { run, live, out } = await watched(23_000);
    live.start();
    live.draw(run.view());
    live.stop();
    const text = stripAnsi(out.text).replace(/\r/g, '');
    expect(text).toMatchSnapshot();
  });

  it('hides the cursor while drawing and always shows it again', async () => {
    const { run, live, out } = await watched(1000);
    live.start();
    live.draw(run.view());
    live.draw(run.view());
    live.stop();
    expect(out.text.startsWith(HIDE_CURSOR)).toBe(true);
    expect(out.text.endsWith(SHOW_CURSOR)).toBe(true);
    // The second frame moves back up over the first and clears what is left below.
    expect(out.text).toMatch(/\u001b\[\d+F/);
    expect(out.text).toContain('\u001b[J');
  });

  it('never draws a line wider than the terminal', async () => {
    const s = await loadScenarioFile(path.join(catalogueDir, 'slow-payment.yaml'));
    const out = new BufferOutput({ isTTY: true, columns: 60, rows: 40 });
    const live = new LiveTable(out, c);
    const run = new Run(s, [live.listener]);
    run.kernel.runUntil(30_000);
    live.draw(run.view());
    for (const line of stripAnsi(out.text).split('\n')) expect([...line].length).toBeLessThanOrEqual(60);
  });
});

describe('summary and reports', () => {
  it('the end-of-run summary of a failing baseline, ANSI stripped', async () => {
    const s = await loadScenarioFile(path.join(catalogueDir, 'payment-outage.yaml'), { baseline: true });
    const result = await new Run(s).execute({ speed: Infinity });
    result.wallMs = 12; // not deterministic; pinned for the snapshot
    expect(stripAnsi(renderSummary(result, { c, reproduce: 'npx patterns run payment-outage --seed 7 --baseline' }))).toMatchSnapshot();
  });

  it('JUnit escapes what it must and carries the reproduce line', async () => {
    const s = await loadScenarioFile(path.join(catalogueDir, 'flaky-network.yaml'), { baseline: true });
    const result = await new Run(s).execute({ speed: Infinity });
    result.wallMs = 5;
    const xml = renderJunit([result], () => 'npx patterns run flaky-network --seed 3 --baseline');
    expect(xml).toContain('<testsuite name="flaky-network (baseline)" tests="3" failures="1" skipped="1"');
    expect(xml).toContain('storefront.successRate ≥ 99%');
    expect(xml).toContain('reproduce: npx patterns run flaky-network --seed 3 --baseline');
    for (const [, value] of xml.matchAll(/="([^"]*)"/g)) expect(value).not.toMatch(/[<>]|&(?!(lt|gt|amp|quot|apos);)/);
  });
});
