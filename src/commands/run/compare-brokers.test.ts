import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '../../engine/run.js';
import { makeChalk } from '../../render/colour.js';
import { catalogueDir } from '../../scenario/catalogue.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { brokerComparison } from './compare-brokers.js';
import { renderComparison } from './render-compare.js';

// The comparison itself, on two simulated runs standing for two brokers (the live runs are
// exercised against real brokers in src/live/).
describe('--live --broker a,b: the accounting side by side', () => {
  it('names a column per broker and puts the message accounting first', async () => {
    const file = path.join(catalogueDir, 'consumer-crash.yaml');
    const results = [await runToEnd(await loadScenarioFile(file, { baseline: true })), await runToEnd(await loadScenarioFile(file))];
    const cmp = brokerComparison(results, [
      { adapter: 'redis', display: 'redis://:***@a:6379' },
      { adapter: 'redis', display: 'redis://b:6379' },
    ]);
    expect(cmp.variants.map((v) => [v.name, v.title])).toEqual([
      ['redis-1', 'redis://:***@a:6379'],
      ['redis-2', 'redis://b:6379'],
    ]);
    expect(cmp.rows[0]).toMatchObject({ group: 'messages', label: 'published' });
    const row = (label: string) => cmp.rows.find((r) => r.group === 'messages' && r.label === label)!;
    const [without, withInbox] = row('duplicate effects').values as number[];
    expect(without).toBeGreaterThan(0);
    expect(withInbox).toBe(0);
    expect(row('lost').values).toEqual([0, 0]);
    const text = renderComparison(cmp, makeChalk(0), 'patterns run consumer-crash --live --broker URL', 'one broker alone');
    expect(text).toContain('live, at once');
    expect(text).toContain('one broker alone: patterns run consumer-crash --live --broker URL');
    expect(text).not.toContain('--variant');
  });
});
