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
  /** The variant of it that shows this pattern, when several patterns share one scenario. */
  defaultVariant?: string;
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
  bulkhead: {
    title: 'Bulkhead',
    category: 'resilience',
    summary: 'give each dependency its own pool of slots, so one slow dependency cannot take them all',
    kinds: ['bulkhead'],
    defaultScenario: 'noisy-neighbor',
  },
  'fixed-window': {
    title: 'Rate limit: fixed window',
    category: 'traffic',
    summary: 'at most N calls per clock-aligned window; cheap, with bursts of 2N at the edges',
    kinds: ['fixed-window'],
    defaultScenario: 'rate-limit-algorithms',
  },
  'sliding-window-log': {
    title: 'Rate limit: sliding window log',
    category: 'traffic',
    summary: 'at most N calls in any window, exactly, from a log of admission times',
    kinds: ['sliding-window-log'],
    defaultScenario: 'rate-limit-algorithms',
  },
  'sliding-window-counter': {
    title: 'Rate limit: sliding window counter',
    category: 'traffic',
    summary: 'a sliding window estimated from two fixed-window counters',
    kinds: ['sliding-window-counter'],
    defaultScenario: 'rate-limit-algorithms',
  },
  'token-bucket': {
    title: 'Rate limit: token bucket',
    category: 'traffic',
    summary: 'a sustained rate with bursts up to a capacity, per user, per tier or for everyone',
    kinds: ['token-bucket'],
    defaultScenario: 'flash-sale',
  },
  'leaky-bucket': {
    title: 'Rate limit: leaky bucket',
    category: 'traffic',
    summary: 'a queue drained at a fixed rate: smooth output, bursts wait, overflow is dropped',
    kinds: ['leaky-bucket'],
    defaultScenario: 'rate-limit-algorithms',
  },
  'load-shedding': {
    title: 'Load shedding',
    category: 'traffic',
    summary: 'refuse work early when overloaded, best-effort first, so what is accepted is served in time',
    kinds: ['load-shedding'],
    defaultScenario: 'overload-shedding',
  },
  hedging: {
    title: 'Hedged requests',
    category: 'resilience',
    summary: 'send a slow call again and take the first answer, trading a little load for a shorter tail',
    kinds: ['hedging'],
    defaultScenario: 'tail-latency',
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
  'saga-orchestration': {
    title: 'Saga (orchestration)',
    category: 'data',
    summary: 'a coordinator runs a transaction across services step by step and undoes the steps done when one fails',
    kinds: ['saga', 'saga-participant'],
    defaultScenario: 'inventory-saga',
  },
  'saga-choreography': {
    title: 'Saga (choreography)',
    category: 'data',
    summary: 'services run a transaction across themselves by reacting to each other’s events, and undo their step when a later one fails',
    kinds: ['saga', 'saga-participant'],
    defaultScenario: 'travel-booking',
  },
  cqrs: {
    title: 'CQRS',
    category: 'data',
    summary: 'a write model for commands, a read model kept by a projector for queries: fast reads that lag behind the writes',
    kinds: ['read-model'],
    defaultScenario: 'projection-lag',
  },
  'database-per-service': {
    title: 'Database per service',
    category: 'data',
    summary: 'each service owns its data; others keep the copies they need, in sync by events and stale for a while',
    kinds: ['read-model'],
    defaultScenario: 'customer-copy',
  },
  'event-sourcing': {
    title: 'Event sourcing',
    category: 'data',
    summary: 'store every change as a versioned event: concurrent writers conflict instead of overwriting; any past state can be replayed',
    kinds: ['event-store'],
    defaultScenario: 'bank-account-replay',
  },
  'leader-election': {
    title: 'Leader election with leases and fencing',
    category: 'coordination',
    summary: 'one process leads while it holds a lease; fencing tokens stop an old leader that does not know it was replaced',
    kinds: ['leader-election'],
    defaultScenario: 'split-brain',
  },
  'distributed-lock': {
    title: 'Distributed lock with fencing tokens',
    category: 'coordination',
    summary: 'one worker at a time through a lease lock; fencing tokens refuse a holder whose lease ran out while it was paused',
    kinds: ['distributed-lock'],
    defaultScenario: 'lock-without-fencing',
  },
  'cache-aside': {
    title: 'Cache-aside',
    category: 'data',
    summary: 'the application looks in the cache, loads from the database on a miss and fills it; writes go to the database and drop the copy',
    kinds: ['cache'],
    defaultScenario: 'cache-stampede',
  },
  'read-through': {
    title: 'Read-through cache',
    category: 'data',
    summary: 'the cache loads a missing value itself, so the application only ever asks the cache',
    kinds: ['cache'],
    defaultScenario: 'cache-stampede',
  },
  'refresh-ahead': {
    title: 'Refresh-ahead cache',
    category: 'data',
    summary: 'reload a value that is read near the end of its TTL in the background, so hot keys never expire under load',
    kinds: ['cache'],
    defaultScenario: 'cache-stampede',
    defaultVariant: 'refresh-ahead',
  },
  'write-through': {
    title: 'Write-through cache',
    category: 'data',
    summary: 'a write goes to the database and then to the cache before it is acknowledged: the cache is never behind its own writes',
    kinds: ['cache'],
    defaultScenario: 'write-behind-crash',
  },
  'write-behind': {
    title: 'Write-behind cache',
    category: 'data',
    summary: 'a write is acknowledged once the cache has it and reaches the database later, in batches — fast, and lost if the cache dies first',
    kinds: ['cache'],
    defaultScenario: 'write-behind-crash',
  },
  replication: {
    title: 'Replication and replica lag',
    category: 'data',
    summary: 'a primary and lagging replicas: stale reads, session guarantees, and a failover that may lose the tail',
    kinds: ['replicated-store'],
    defaultScenario: 'replica-lag',
  },
  sharding: {
    title: 'Sharding',
    category: 'coordination',
    summary: 'spread keys over shards by hash, hash ring or range; resharding moves keys, and a hot key makes a hot shard',
    kinds: ['sharding'],
    defaultScenario: 'hot-shard',
  },
  'shared-breaker': {
    title: 'Shared circuit breaker',
    category: 'resilience',
    summary: 'one breaker state for every client, kept in a store: a dead dependency hears from all of them once',
    kinds: ['shared-breaker', 'breaker-store'],
    defaultScenario: 'shared-breaker',
  },
} as const satisfies Record<string, PatternInfo>;

export type PatternName = keyof typeof patterns;

export function patternOf(name: string): PatternInfo | undefined {
  return Object.hasOwn(patterns, name) ? patterns[name as PatternName] : undefined;
}

export const patternNames = Object.keys(patterns) as PatternName[];
