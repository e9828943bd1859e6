import { describe, expect, it } from 'vitest';
import { cards } from '../../explain/registry.js';
import { makeChalk } from '../../render/colour.js';
import { loadCatalogue } from '../../scenario/catalogue.js';
import { explainCommand } from './index.js';
import { renderExplanation } from './render.js';

const catalogue = await loadCatalogue();
const c = makeChalk(0);

describe('patterns explain', () => {
  it.each(Object.keys(cards))('%s has a card with every section, no line past 88 columns', async (name) => {
    const e = await explainCommand(name, catalogue);
    const text = renderExplanation(e, c, 200, 'npx patterns');
    for (const heading of ['The problem', 'How it works', 'States', 'Knobs and what they trade', 'Use it', 'Not for', 'Common mistakes', 'See it run']) {
      expect(text).toContain(`\n${heading}\n`);
    }
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(88);
    expect(e.kind === 'card' && e.scenarios.length).toBeGreaterThan(0);
  });

  it('the circuit breaker’s card', async () => {
    // One scenario, so the snapshot does not change each time the catalogue grows.
    const one = catalogue.filter((s) => s.name === 'payment-outage');
    expect(renderExplanation(await explainCommand('circuit-breaker', one), c, 100, 'npx patterns')).toMatchSnapshot();
  });

  it('alone, it lists the cards by category', async () => {
    const text = renderExplanation(await explainCommand(undefined, catalogue), c, 100, 'npx patterns');
    expect(text).toMatch(/^\nresilience\n {2}circuit-breaker +\d+ scenarios? +stop calling a dependency/);
    for (const line of text.split('\n')) expect([...line].length).toBeLessThanOrEqual(100);
    for (const name of Object.keys(cards)) expect(text).toContain(`  ${name} `);
  });

  it('a scenario’s name explains the pattern it shows', async () => {
    const e = await explainCommand('flaky-network', catalogue);
    expect(e).toMatchObject({ kind: 'card', name: 'retry', via: 'flaky-network shows retry' });
  });

  it('an unknown name suggests the closest', async () => {
    await expect(explainCommand('circuit-braker', catalogue)).rejects.toMatchObject({ message: 'no pattern called "circuit-braker"', details: expect.arrayContaining(['did you mean "circuit-breaker"?']) });
  });
});
