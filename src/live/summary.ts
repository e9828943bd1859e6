/**
 * The callers' lines of a multi-process run's summary, from the merged counters. Latency
 * percentiles stay with the processes that measured them (sketches are not merged), so they
 * are reported as 0 there.
 */
import type { Metrics } from '../core/metrics.js';
import type { ClientSummary } from '../core/trace.js';
import type { Scenario } from '../scenario/model.js';

export function clientSummaryOf(scenario: Pick<Scenario, 'components'>, metrics: Metrics): ClientSummary[] {
  return scenario.components
    .filter((s) => s.kind === 'client')
    .map((s) => {
      const c = metrics.counters(s.name);
      const get = (k: string) => c[k] ?? 0;
      const calls = get('calls');
      return {
        component: s.name,
        calls,
        ok: get('ok'),
        failed: get('failed'),
        rejected: get('rejected'),
        fallback: get('fallback'),
        inFlight: calls - get('ok') - get('failed') - get('rejected') - get('fallback'),
        latency: { count: 0, p50: 0, p95: 0, p99: 0, max: 0 },
      };
    });
}
