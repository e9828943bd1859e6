import type { PatternName } from '../patterns/registry.js';
import type { Card } from './card.js';
import apiGateway from './cards/api-gateway.js';
import circuitBreaker from './cards/circuit-breaker.js';
import fallback from './cards/fallback.js';
import healthCheck from './cards/health-check.js';
import idempotencyKey from './cards/idempotency-key.js';
import loadBalancer from './cards/load-balancer.js';
import retry from './cards/retry.js';
import serviceDiscovery from './cards/service-discovery.js';
import timeout from './cards/timeout.js';

/** A card for every pattern: a pattern without one does not compile. */
export const cards: Record<PatternName, Card> = {
  'circuit-breaker': circuitBreaker,
  retry,
  timeout,
  fallback,
  'idempotency-key': idempotencyKey,
  'health-check': healthCheck,
  'service-discovery': serviceDiscovery,
  'load-balancer': loadBalancer,
  'api-gateway': apiGateway,
};
