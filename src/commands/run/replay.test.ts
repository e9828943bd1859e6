import { describe, expect, it } from 'vitest';
import { parseReplay } from './replay.js';

const run = (extra = '') => `{"kind":"run","t":0,"scenario":"payment-outage","title":"t","pattern":"circuit-breaker","variant":"baseline","seed":9,"durationMs":60000,"components":[]${extra}}`;
const manual = (id: string, t: number, extra = ',"params":{"mode":"fail"},"forMs":5000') =>
  `{"kind":"fault","t":${t},"phase":"start","id":"${id}","fault":"outage","target":"payment","description":"d","manual":true${extra}}`;

describe('reading a trace to replay it', () => {
  it('takes the scenario, variant, seed, knobs, duration and the faults injected by hand', () => {
    const text = [
      run(',"set":["timeout.after=2s"]'),
      '{"kind":"fault","t":15000,"phase":"start","id":"outage","fault":"outage","target":"payment","description":"d"}',
      manual('manual-1', 20000.001),
      '{"kind":"fault","t":25000.001,"phase":"end","id":"manual-1","fault":"outage","target":"payment","description":"d","manual":true}',
      manual('manual-2', 30000.5, ',"params":{"rate":"50%"}').replace('"outage"', '"error-rate"'),
      '{"kind":"summary","t":41000,"interrupted":true}',
      '',
    ].join('\n');
    expect(parseReplay(text, 't.ndjson')).toEqual({
      scenario: 'payment-outage',
      variant: 'baseline',
      seed: 9,
      set: ['timeout.after=2s'],
      durationMs: 60000,
      manualFaults: [
        { id: 'manual-1', kind: 'outage', target: 'payment', params: { mode: 'fail' }, at: 20000.001, forMs: 5000 },
        { id: 'manual-2', kind: 'error-rate', target: 'payment', params: { rate: '50%' }, at: 30000.5 },
      ],
      stoppedAt: 41000,
      otherRuns: 0,
    });
  });

  it('replays the first of several runs and says how many there were', () => {
    const plan = parseReplay([run(), manual('manual-1', 1), run(), manual('manual-9', 2)].join('\n'), 't');
    expect(plan.manualFaults.map((f) => f.id)).toEqual(['manual-1']);
    expect(plan.otherRuns).toBe(1);
  });

  it.each([
    ['not json', 't.ndjson:1: not a JSON line'],
    ['{"kind":"metric","t":1}', 't.ndjson: no run event'],
    [`${run()}\n${manual('manual-1', 5, '')}`, 't.ndjson:2: fault manual-1 was injected by hand but its parameters are missing'],
  ])('%j is refused: %s', (text, message) => {
    expect(() => parseReplay(text, 't.ndjson')).toThrow(message);
  });
});
