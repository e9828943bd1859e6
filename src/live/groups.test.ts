import { describe, expect, it } from 'vitest';
import { loadScenarioFile } from '../scenario/load.js';
import { processGroups, scenarioFor } from './groups.js';

const at = (name: string) => new URL(`../../scenarios/${name}.yaml`, import.meta.url).pathname;

describe('process groups of a live run', () => {
  it.each([
    ['consumer-crash', [['charger'], ['checkouts', 'payments']]],
    ['load-levelling', [['workers', 'db'], ['users', 'uploads']]],
    // Each caller gets its own copy of the service it calls; the store is shared over the network.
    ['shared-breaker', [['orders-users', 'orders', 'orders-breaker', 'inventory'], ['carts-users', 'carts', 'carts-breaker', 'inventory'], ['search-users', 'search', 'search-breaker', 'inventory'], ['returns-users', 'returns', 'returns-breaker', 'inventory']]],
  ])('%s', async (name, expected) => {
    const groups = processGroups(await loadScenarioFile(at(name)));
    expect(groups.map((g) => [g.name, ...g.members.filter((m) => m !== g.name)].sort())).toEqual(expected.map((e) => [...e].sort()));
    expect(groups.map((g) => g.name)).toEqual(expected.map((e) => e[0]));
  });

  it('a process runs its group, the brokers and stores, the faults on its members, and judges nothing', async () => {
    const scenario = await loadScenarioFile(at('consumer-crash'));
    const charger = processGroups(scenario).find((g) => g.name === 'charger')!;
    const mine = scenarioFor(scenario, charger);
    expect(mine.components.map((c) => c.name).sort()).toEqual(['broker', 'charger']);
    expect(mine.faults.every((f) => f.target === 'charger')).toBe(true);
    expect(mine.expectations).toEqual([]);
  });
});
