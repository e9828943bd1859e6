import { describe, expect, it } from 'vitest';
import { patternNames } from '../patterns/registry.js';
import { cards } from './registry.js';

describe('concept cards', () => {
  it.each(Object.entries(cards))('%s is complete and fits a terminal', (name, card) => {
    for (const line of card.diagram.split('\n')) expect([...line].length, `${name} diagram: ${line}`).toBeLessThanOrEqual(72);
    expect(card.problem.length).toBeGreaterThan(40);
    expect(card.how.length).toBeGreaterThan(40);
    expect(card.knobs.length).toBeGreaterThan(0);
    expect(card.use.length).toBeGreaterThan(0);
    expect(card.avoid.length).toBeGreaterThan(0);
    expect(card.mistakes.length).toBeGreaterThan(0);
    for (const r of card.related) expect(patternNames as string[], `${name} relates to unknown ${r}`).toContain(r);
  });
});
