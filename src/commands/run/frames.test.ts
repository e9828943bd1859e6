import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Run } from '../../engine/run.js';
import { makeChalk } from '../../render/colour.js';
import { LiveTable } from '../../render/live.js';
import { BufferOutput } from '../../render/output.js';
import { stripAnsi } from '../../render/text.js';
import { catalogueDir } from '../../scenario/catalogue.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { WatchSession } from './watch.js';

const c = makeChalk(1);

/** A watched payment-outage at `until`, its keys driven by `keys`, drawn once. */
async function frame(until: number, keys: string[], size = { columns: 110, rows: 40 }) {
  const s = await loadScenarioFile(path.join(catalogueDir, 'payment-outage.yaml'));
  const out = new BufferOutput({ isTTY: true, ...size });
  let session: WatchSession | undefined;
  const live = new LiveTable(out, c, () => session?.footer(size.columns));
  const run = new Run(s, [live.listener]);
  session = new WatchSession(run, { c, now: () => 0, writeSnapshot: () => '.patterns/snapshots/s.txt' });
  run.kernel.runUntil(until);
  for (const k of keys) session.key(k);
  run.kernel.runUntil(until + 1000);
  live.draw(run.view());
  return { text: stripAnsi(out.text).replace(/\r/g, ''), live, run };
}

describe('watched frames, ANSI stripped', () => {
  it('the hotkeys under the table', async () => {
    expect((await frame(12_000, [])).text).toMatchSnapshot();
  });

  it('choosing a fault', async () => {
    expect((await frame(12_000, ['f'])).text).toMatchSnapshot();
  });

  it('a fault injected by a key shows in the table, the transitions and the footer', async () => {
    const { text } = await frame(5_000, ['f', '3', '2']);
    expect(text).toContain('fault manual-1 → payment: 20% of calls fail (until 15.000s)');
    expect(text).toMatch(/5\.000s {2}payment +fault manual-1 starts {2}20% of calls fail/);
    expect(text).toContain('injected manual-1 at 5.000s: error-rate on payment: 20% of calls fail, for 10s');
    expect(text).toMatchSnapshot();
  });

  it('a short terminal drops old transitions, never the footer', async () => {
    const { text } = await frame(40_000, [], { columns: 110, rows: 16 });
    const lines = text.split('\n').filter(Boolean);
    expect(lines.length).toBeLessThanOrEqual(15);
    expect(lines.at(-1)).toContain('f fault  ·  p pause');
  });

  it('a snapshot is the frame in plain text, without the footer', async () => {
    const { live } = await frame(20_000, []);
    const snap = live.snapshot();
    expect(snap).not.toMatch(/\u001b/);
    expect(snap).toContain('│ breaker   │ circuit-breaker │ OPEN');
    expect(snap).not.toContain('f fault');
  });
});
