import type { PatternName } from '../patterns/registry.js';
import type { Card } from './card.js';
import circuitBreaker from './cards/circuit-breaker.js';
import fallback from './cards/fallback.js';
import retry from './cards/retry.js';
import timeout from './cards/timeout.js';
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

/** A card for every pattern: a pattern without one does not compile. */
export const cards: Record<PatternName, Card> = {
  'circuit-breaker': circuitBreaker,
  retry,
  timeout,
  fallback,
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
};
