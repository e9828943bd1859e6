import type { PatternName } from '../patterns/registry.js';
import type { Card } from './card.js';
import bulkhead from './cards/bulkhead.js';
import circuitBreaker from './cards/circuit-breaker.js';
import fallback from './cards/fallback.js';
import fixedWindow from './cards/fixed-window.js';
import hedging from './cards/hedging.js';
import leakyBucket from './cards/leaky-bucket.js';
import loadShedding from './cards/load-shedding.js';
import retry from './cards/retry.js';
import slidingWindowCounter from './cards/sliding-window-counter.js';
import slidingWindowLog from './cards/sliding-window-log.js';
import apiGateway from './cards/api-gateway.js';
import healthCheck from './cards/health-check.js';
import idempotencyKey from './cards/idempotency-key.js';
import loadBalancer from './cards/load-balancer.js';
import serviceDiscovery from './cards/service-discovery.js';
import timeout from './cards/timeout.js';
import tokenBucket from './cards/token-bucket.js';
import pubSub from './cards/pub-sub.js';
import workQueue from './cards/work-queue.js';
import deadLetterQueue from './cards/dead-letter-queue.js';
import priorityQueue from './cards/priority-queue.js';
import claimCheck from './cards/claim-check.js';
import transactionalOutbox from './cards/transactional-outbox.js';
import idempotentConsumer from './cards/idempotent-consumer.js';
import contentBasedRouter from './cards/content-based-router.js';
import scatterGather from './cards/scatter-gather.js';
import partitionedStream from './cards/partitioned-stream.js';
import sagaOrchestration from './cards/saga-orchestration.js';
import sagaChoreography from './cards/saga-choreography.js';
import cqrs from './cards/cqrs.js';
import databasePerService from './cards/database-per-service.js';
import eventSourcing from './cards/event-sourcing.js';
import leaderElection from './cards/leader-election.js';
import distributedLock from './cards/distributed-lock.js';
import cacheAside from './cards/cache-aside.js';
import readThrough from './cards/read-through.js';
import refreshAhead from './cards/refresh-ahead.js';
import writeThrough from './cards/write-through.js';
import writeBehind from './cards/write-behind.js';
import replication from './cards/replication.js';
import sharding from './cards/sharding.js';
import sharedBreaker from './cards/shared-breaker.js';

/** A card for every pattern: a pattern without one does not compile. */
export const cards: Record<PatternName, Card> = {
  'circuit-breaker': circuitBreaker,
  retry,
  timeout,
  fallback,
  bulkhead,
  'fixed-window': fixedWindow,
  'sliding-window-log': slidingWindowLog,
  'sliding-window-counter': slidingWindowCounter,
  'token-bucket': tokenBucket,
  'leaky-bucket': leakyBucket,
  'load-shedding': loadShedding,
  hedging,
  'idempotency-key': idempotencyKey,
  'health-check': healthCheck,
  'service-discovery': serviceDiscovery,
  'load-balancer': loadBalancer,
  'api-gateway': apiGateway,
  'pub-sub': pubSub,
  'work-queue': workQueue,
  'dead-letter-queue': deadLetterQueue,
  'priority-queue': priorityQueue,
  'claim-check': claimCheck,
  'transactional-outbox': transactionalOutbox,
  'idempotent-consumer': idempotentConsumer,
  'content-based-router': contentBasedRouter,
  'scatter-gather': scatterGather,
  'partitioned-stream': partitionedStream,
  'saga-orchestration': sagaOrchestration,
  'saga-choreography': sagaChoreography,
  cqrs,
  'database-per-service': databasePerService,
  'event-sourcing': eventSourcing,
  'leader-election': leaderElection,
  'distributed-lock': distributedLock,
  'cache-aside': cacheAside,
  'read-through': readThrough,
  'refresh-ahead': refreshAhead,
  'write-through': writeThrough,
  'write-behind': writeBehind,
  replication,
  sharding,
  'shared-breaker': sharedBreaker,
};
