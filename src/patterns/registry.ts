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
  'pub-sub': {
    title: 'Publish/subscribe',
    category: 'messaging',
    summary: 'every subscriber gets its own copy; a durable subscription keeps what it missed',
    kinds: ['consumer'],
    defaultScenario: 'subscriber-offline',
  },
  'work-queue': {
    title: 'Work queue (competing consumers)',
    category: 'messaging',
    summary: 'consumers share a queue and take work at their own pace; bursts wait in line',
    kinds: ['consumer'],
    defaultScenario: 'load-levelling',
  },
  'dead-letter-queue': {
    title: 'Dead-letter queue',
    category: 'messaging',
    summary: 'set a message that keeps failing aside, so it stops blocking the rest',
    kinds: ['broker'],
    defaultScenario: 'poison-message',
  },
  'priority-queue': {
    title: 'Priority queue',
    category: 'messaging',
    summary: 'urgent messages overtake a backlog of bulk ones, which may starve',
    kinds: ['broker'],
    defaultScenario: 'priority-jobs',
  },
  'claim-check': {
    title: 'Claim check',
    category: 'messaging',
    summary: 'keep a large payload in a blob store and send only a reference to it',
    kinds: ['producer'],
    defaultScenario: 'claim-check',
  },
  'transactional-outbox': {
    title: 'Transactional outbox',
    category: 'messaging',
    summary: 'write the event in the same transaction as the data; a relay publishes it',
    kinds: ['producer'],
    defaultScenario: 'dual-write',
  },
  'idempotent-consumer': {
    title: 'Idempotent consumer (inbox)',
    category: 'messaging',
    summary: 'remember processed message ids so a duplicate has no second effect',
    kinds: ['consumer'],
    defaultScenario: 'duplicate-delivery',
  },
  'content-based-router': {
    title: 'Content-based router',
    category: 'messaging',
    summary: 'forward each message to the queue its content names',
    kinds: ['content-based-router'],
    defaultScenario: 'order-routing',
  },
  'scatter-gather': {
    title: 'Scatter-gather',
    category: 'messaging',
    summary: 'fan a request out to several recipients and gather the answers that come in time',
    kinds: ['scatter-gather'],
    defaultScenario: 'scatter-gather-quotes',
  },
  'partitioned-stream': {
    title: 'Partitioned stream',
    category: 'messaging',
    summary: 'same key, same partition, same order — and parallel across keys',
    kinds: ['consumer'],
    defaultScenario: 'out-of-order-events',
  },
} as const satisfies Record<string, PatternInfo>;

export type PatternName = keyof typeof patterns;

export function patternOf(name: string): PatternInfo | undefined {
  return Object.hasOwn(patterns, name) ? patterns[name as PatternName] : undefined;
}

export const patternNames = Object.keys(patterns) as PatternName[];
