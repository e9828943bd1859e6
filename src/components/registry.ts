import type { z } from 'zod';
import { bulkheadKind } from '../patterns/bulkhead.js';
import { circuitBreakerKind } from '../patterns/circuit-breaker.js';
import { contentBasedRouterKind } from '../patterns/content-based-router.js';
import { scatterGatherKind } from '../patterns/scatter-gather.js';
import { readModelKind } from '../patterns/read-model.js';
import { cacheKind } from '../patterns/cache.js';
import { sagaKind } from '../patterns/saga.js';
import { sagaParticipantKind } from '../patterns/saga-participant.js';
import { fallbackKind } from '../patterns/fallback.js';
import { fixedWindowKind } from '../patterns/fixed-window.js';
import { hedgingKind } from '../patterns/hedging.js';
import { leakyBucketKind } from '../patterns/leaky-bucket.js';
import { loadSheddingKind } from '../patterns/load-shedding.js';
import { retryKind } from '../patterns/retry.js';
import { slidingWindowCounterKind } from '../patterns/sliding-window-counter.js';
import { slidingWindowLogKind } from '../patterns/sliding-window-log.js';
import { apiGatewayKind } from '../patterns/api-gateway.js';
import { healthCheckKind } from '../patterns/health-check.js';
import { idempotencyKeyKind } from '../patterns/idempotency-key.js';
import { loadBalancerKind } from '../patterns/load-balancer.js';
import { serviceDiscoveryKind } from '../patterns/service-discovery.js';
import { timeoutKind } from '../patterns/timeout.js';
import { tokenBucketKind } from '../patterns/token-bucket.js';
import { eventStoreKind } from '../patterns/event-sourcing.js';
import { leaderElectionKind } from '../patterns/leader-election.js';
import { distributedLockKind } from '../patterns/distributed-lock.js';
import { replicatedStoreKind } from '../patterns/replication.js';
import { shardingKind } from '../patterns/sharding.js';
import { clientKind } from './client.js';
import { duplicateKind } from './duplicate.js';
import { brokerKind } from './broker.js';
import { consumerKind } from './consumer.js';
import { databaseKind } from './database.js';
import type { ComponentKind } from './kind.js';
import { loadKind } from './load.js';
import { producerKind } from './producer.js';
import { serviceKind } from './service.js';
import { breakerStoreKind } from '../patterns/breaker-store.js';
import { sharedBreakerKind } from '../patterns/shared-breaker.js';

/** Every component kind a scenario may use. Adding a pattern adds one line here. */
export const componentKinds = {
  service: serviceKind,
  client: clientKind,
  load: loadKind,
  'circuit-breaker': circuitBreakerKind,
  retry: retryKind,
  timeout: timeoutKind,
  fallback: fallbackKind,
  bulkhead: bulkheadKind,
  'fixed-window': fixedWindowKind,
  'sliding-window-log': slidingWindowLogKind,
  'sliding-window-counter': slidingWindowCounterKind,
  'token-bucket': tokenBucketKind,
  'leaky-bucket': leakyBucketKind,
  'load-shedding': loadSheddingKind,
  hedging: hedgingKind,
  duplicate: duplicateKind,
  'idempotency-key': idempotencyKeyKind,
  'health-check': healthCheckKind,
  'service-discovery': serviceDiscoveryKind,
  'load-balancer': loadBalancerKind,
  'api-gateway': apiGatewayKind,
  broker: brokerKind,
  producer: producerKind,
  consumer: consumerKind,
  'content-based-router': contentBasedRouterKind,
  'scatter-gather': scatterGatherKind,
  saga: sagaKind,
  'saga-participant': sagaParticipantKind,
  'read-model': readModelKind,
  'event-store': eventStoreKind,
  'leader-election': leaderElectionKind,
  'distributed-lock': distributedLockKind,
  database: databaseKind,
  cache: cacheKind,
  'replicated-store': replicatedStoreKind,
  sharding: shardingKind,
  'breaker-store': breakerStoreKind,
  'shared-breaker': sharedBreakerKind,
} as const satisfies Record<string, ComponentKind<z.ZodType>>;

export type ComponentKindName = keyof typeof componentKinds;

export function kindOf(name: string): ComponentKind | undefined {
  return Object.hasOwn(componentKinds, name) ? (componentKinds[name as ComponentKindName] as unknown as ComponentKind) : undefined;
}

export const kindNames = Object.keys(componentKinds) as ComponentKindName[];
