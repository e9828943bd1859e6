import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runToEnd } from '../../engine/run.js';
import { makeChalk } from '../../render/colour.js';
import { catalogueDir } from '../../scenario/catalogue.js';
import { loadScenarioFile, loadScenarioText } from '../../scenario/load.js';
import { compareResults, parseCompareList } from './compare.js';
import { delta, formatValue, renderComparison } from './render-compare.js';

const file = path.join(catalogueDir, 'payment-outage.yaml');
const c = makeChalk(0);

describe('--compare', () => {
  const scenario = { name: 'payment-outage', variants: [{ name: 'baseline', title: 'b' }, { name: 'lazy', title: 'l' }] };
  it.each([
    [true, ['baseline', 'main']],
    ['main,lazy', ['main', 'lazy']],
    ['lazy, baseline ,main', ['lazy', 'baseline', 'main']],
  ])('%j compares %j', (value, names) => {
    expect(parseCompareList(value, scenario)).toEqual(names);
  });

  it.each([
    ['main,nope', 'payment-outage has no variant "nope"'],
    ['main', 'needs two or more different variants'],
    ['main,main', 'needs two or more different variants'],
  ])('%j is refused: %s', (value, message) => {
    expect(() => parseCompareList(value, scenario)).toThrow(message);
  });

  it('measures what callers saw and what each expectation measured, variant by variant', async () => {
    const results = [await runToEnd(await loadScenarioFile(file, { baseline: true })), await runToEnd(await loadScenarioFile(file))];
    const cmp = compareResults(results);
    expect(cmp.variants.map((v) => [v.name, v.held, v.judged, v.passed])).toEqual([
      ['baseline', 1, 3, false],
      ['main', 6, 6, true],
    ]);
    const row = (label: string) => cmp.rows.find((r) => r.label === label)!;
    expect(row('calls').values).toEqual([3047, 3047]);
    expect(row('payment.calls during outage')).toMatchObject({ group: 'expectations', unit: 'count', better: 'lower', values: [1006, 78], verdicts: ['failed', 'held'] });
    expect(row('breaker reaches OPEN, after outage.start')).toMatchObject({ unit: 'ms', values: [null, 1182.288], verdicts: ['skipped', 'held'] });
    expect(row('breaker at the end')).toMatchObject({ unit: 'state', values: [null, 'CLOSED'] });
    expect(row('checkout.latency.p99 from outage.end + 10s').better).toBe('lower');
    const text = renderComparison(cmp, c, 'npx patterns run payment-outage --seed 7');
    expect(text).toMatchSnapshot();
  });

  it.each([
    ['count', 1006, 78, 'lower', '−928 (−92%)', 'improved'],
    ['count', 0, 1180, undefined, '+1,180', 'plain'],
    ['ratio', 0.666, 0.584, 'higher', '−8.2 pp', 'worse'],
    ['ms', 993, 26.5, 'lower', '−967ms (−97%)', 'improved'],
    ['factor', 1, 1.25, 'lower', '+0.25×', 'worse'],
    ['state', 'OPEN', 'CLOSED', undefined, 'changed', 'plain'],
  ] as const)('a %s from %j to %j reads %j', (unit, from, to, better, text, tone) => {
    const coloured = makeChalk(1);
    const out = delta({ group: '', label: '', unit, better, values: [] }, from, to, coloured);
    expect(out.replace(/\u001b\[\d+m/g, '')).toBe(text);
    expect(out.startsWith('\u001b[32m') ? 'improved' : out.startsWith('\u001b[31m') ? 'worse' : 'plain').toBe(tone);
  });

  it.each([
    ['ratio', 0.9991, '99.9%'],
    ['ms', 1182, '1.18s'],
    ['count', 12345.4, '12,345'],
    ['factor', 1.254, '1.25×'],
    ['count', null, '—'],
  ] as const)('a %s of %j shows as %j', (unit, value, text) => {
    expect(formatValue(unit, value)).toBe(text);
  });

  it('a scenario may declare extra compare: measures, measured in every variant that has them', async () => {
    const text = (await import('node:fs')).readFileSync(file, 'utf8') + '\ncompare:\n  - breaker.rejected\n  - { metric: payment.calls, from: outage.end, label: calls after the outage }\n';
    const main = loadScenarioText('x.yaml', text);
    const baseline = loadScenarioText('x.yaml', text, { baseline: true });
    expect(main.compare!.map((m) => m.says)).toEqual(['breaker.rejected', 'calls after the outage']);
    expect(baseline.compare!.map((m) => m.type)).toEqual(['skipped', 'metric']);
    const cmp = compareResults([await runToEnd(baseline), await runToEnd(main)]);
    const measures = cmp.rows.filter((r) => r.group === 'measures');
    expect(measures.map((r) => [r.label, r.values.map((v) => typeof v)])).toEqual([
      ['breaker.rejected', ['object', 'number']],
      ['payment.calls from outage.end', ['number', 'number']],
    ]);
  });

  it('a compare: measure naming an unknown metric is a scenario error with its place', () => {
    const text = 'name: x\ntitle: a title\npattern: retry\ngoal: a goal to reach\nduration: 10s\ncomponents:\n  s: { kind: service }\nexpect:\n  - { says: s, final: { component: s, state: UP } }\ncompare:\n  - s.nope\n';
    expect(() => loadScenarioText('x.yaml', text)).toThrow(/x\.yaml:11:5: compare\[0\]\.metric: s \(service\) has no metric "nope"/);
  });
});
