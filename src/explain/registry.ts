import type { PatternName } from '../patterns/registry.js';
import type { Card } from './card.js';
import circuitBreaker from './cards/circuit-breaker.js';
import fallback from './cards/fallback.js';
import idempotencyKey from './cards/idempotency-key.js';
import retry from './cards/retry.js';
import timeout from './cards/timeout.js';

/** A card for every pattern: a pattern without one does not compile. */
export const cards: Record<PatternName, Card> = {
  'circuit-breaker': circuitBreaker,
  retry,
  timeout,
  fallback,
  'idempotency-key': idempotencyKey,
};
