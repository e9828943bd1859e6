/**
 * The breaker stores of a live run: in Redis when the run's broker URL is a Redis one (every
 * process of the run then shares them), otherwise the simulated store, in the process.
 */
import type { BrokerUrl } from '../brokers/url.js';
import type { ComponentOverride } from '../engine/topology.js';
import { BreakerStoreComponent } from '../patterns/breaker-store.js';
import type { Scenario } from '../scenario/model.js';
import type { RedisBreakerStore } from './redis-breaker-store.js';

export function storeSpecs(scenario: Pick<Scenario, 'components'>) {
  return scenario.components.filter((s) => s.kind === 'breaker-store');
}

/** Opens a Redis store for each breaker-store component, under `<run prefix><component>.`. */
export async function openStores(scenario: Pick<Scenario, 'components'>, target: BrokerUrl | undefined, url: string | undefined, runPrefix: string, timeoutMs: number): Promise<Map<string, RedisBreakerStore>> {
  const stores = new Map<string, RedisBreakerStore>();
  if (!target || target.adapter !== 'redis') return stores;
  const { RedisBreakerStore } = await import('./redis-breaker-store.js');
  for (const spec of storeSpecs(scenario)) stores.set(spec.name, await RedisBreakerStore.open(url ?? target.url, `${runPrefix}${spec.name}.`, timeoutMs));
  return stores;
}

export function addStoreOverrides(overrides: Map<string, ComponentOverride>, stores: ReadonlyMap<string, RedisBreakerStore>): void {
  for (const [name, store] of stores) {
    overrides.set(name, (spec, ctx) => {
      const c = new BreakerStoreComponent(name, spec.config as { latency: number }, ctx);
      c.store = store;
      return c;
    });
  }
}
