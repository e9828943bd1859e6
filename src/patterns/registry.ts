import type { ComponentKindName } from '../components/registry.js';

export type Category = 'resilience' | 'traffic' | 'messaging' | 'data' | 'coordination';

export interface PatternInfo {
  title: string;
  category: Category;
  /** One line: what it is for. */
  summary: string;
  /** Component kinds that implement it. */
  kinds: readonly ComponentKindName[];
  /** What `patterns run <pattern>` runs. A test checks it exists and shows this pattern. */
  defaultScenario: string;
}

/** Every pattern in the catalogue, by the name `patterns list` and `run <pattern>` use. */
export const patterns = {
  'circuit-breaker': {
    title: 'Circuit breaker',
    category: 'resilience',
    summary: 'stop calling a dependency that keeps failing; probe until it recovers',
    kinds: ['circuit-breaker'],
    defaultScenario: 'payment-outage',
  },
  retry: {
    title: 'Retry with backoff and jitter',
    category: 'resilience',
    summary: 'ride out transient errors without turning them into a storm',
    kinds: ['retry'],
    defaultScenario: 'flaky-network',
  },
  timeout: {
    title: 'Timeout',
    category: 'resilience',
    summary: 'bound how long a caller waits, so a slow dependency cannot hold it hostage',
    kinds: ['timeout'],
    defaultScenario: 'slow-payment',
  },
  fallback: {
    title: 'Fallback',
    category: 'resilience',
    summary: 'answer with something degraded rather than an error',
    kinds: ['fallback'],
    defaultScenario: 'slow-payment',
  },
  'idempotency-key': {
    title: 'Idempotency key',
    category: 'resilience',
    summary: 'make a retried or duplicated request take effect once: the server remembers each key and its answer',
    kinds: ['idempotency-key'],
    defaultScenario: 'double-charge',
  },
  'health-check': {
    title: 'Health check',
    category: 'traffic',
    summary: 'probe instances (liveness, readiness, deep) so traffic goes only to those that can serve it',
    kinds: ['health-check'],
    defaultScenario: 'instance-failure',
  },
  'service-discovery': {
    title: 'Service discovery',
    category: 'traffic',
    summary: 'a registry of live instances kept fresh by heartbeats, TTLs and deregistration',
    kinds: ['service-discovery'],
    defaultScenario: 'rolling-deploy',
  },
  'load-balancer': {
    title: 'Load balancer with outlier ejection',
    category: 'traffic',
    summary: 'spread calls over instances and take the ones that keep failing out of rotation',
    kinds: ['load-balancer'],
    defaultScenario: 'instance-failure',
  },
  'api-gateway': {
    title: 'API gateway',
    category: 'traffic',
    summary: 'one entry point: routing, authentication, route policies, aggregation that degrades instead of failing',
    kinds: ['api-gateway'],
    defaultScenario: 'gateway-partial-failure',
  },
} as const satisfies Record<string, PatternInfo>;

export type PatternName = keyof typeof patterns;

export function patternOf(name: string): PatternInfo | undefined {
  return Object.hasOwn(patterns, name) ? patterns[name as PatternName] : undefined;
}

export const patternNames = Object.keys(patterns) as PatternName[];
