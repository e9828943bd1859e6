import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Run } from '../engine/run.js';
import { catalogueDir } from '../scenario/catalogue.js';
import { loadScenarioFile } from '../scenario/load.js';
import { makeChalk } from './colour.js';
import { renderSummary } from './summary.js';
import { stripAnsi } from './text.js';

describe('the messages table', () => {
  it('shows where the messages of a blocked queue are, ANSI stripped', async () => {
    const s = await loadScenarioFile(path.join(catalogueDir, 'poison-message.yaml'), { baseline: true });
    const result = await new Run(s).execute({ speed: Infinity });
    result.wallMs = 10;
    const text = stripAnsi(renderSummary(result, { c: makeChalk(1), reproduce: 'npx patterns run poison-message --seed 3 --baseline' }));
    const table = text.slice(text.indexOf('Messages'), text.indexOf('Final states'));
    expect(table).toMatchSnapshot();
  });

  it.each([
    [false, 'Reproduce: npx patterns run poison-message --seed 3 --baseline'],
    [true, 'Run again live: npx patterns run poison-message --seed 3 --baseline --live (or drop --live to see it simulated, reproducibly)'],
  ])('a failed run says how to run it again (live: %s)', async (live, line) => {
    const s = await loadScenarioFile(path.join(catalogueDir, 'poison-message.yaml'), { baseline: true });
    const result = await new Run(s).execute({ speed: Infinity });
    const text = stripAnsi(renderSummary(live ? { ...result, live: true } : result, { c: makeChalk(0), reproduce: 'npx patterns run poison-message --seed 3 --baseline' }));
    expect(text).toContain(line);
  });
});
