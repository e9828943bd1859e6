import type { z } from 'zod';
import { apiGatewayKind } from '../patterns/api-gateway.js';
import { circuitBreakerKind } from '../patterns/circuit-breaker.js';
import { fallbackKind } from '../patterns/fallback.js';
import { healthCheckKind } from '../patterns/health-check.js';
import { idempotencyKeyKind } from '../patterns/idempotency-key.js';
import { loadBalancerKind } from '../patterns/load-balancer.js';
import { retryKind } from '../patterns/retry.js';
import { serviceDiscoveryKind } from '../patterns/service-discovery.js';
import { timeoutKind } from '../patterns/timeout.js';
import { clientKind } from './client.js';
import { duplicateKind } from './duplicate.js';
import type { ComponentKind } from './kind.js';
import { loadKind } from './load.js';
import { serviceKind } from './service.js';

/** Every component kind a scenario may use. Adding a pattern adds one line here. */
export const componentKinds = {
  service: serviceKind,
  client: clientKind,
  load: loadKind,
  'circuit-breaker': circuitBreakerKind,
  retry: retryKind,
  timeout: timeoutKind,
  fallback: fallbackKind,
  duplicate: duplicateKind,
  'idempotency-key': idempotencyKeyKind,
  'health-check': healthCheckKind,
  'service-discovery': serviceDiscoveryKind,
  'load-balancer': loadBalancerKind,
  'api-gateway': apiGatewayKind,
} as const satisfies Record<string, ComponentKind<z.ZodType>>;

export type ComponentKindName = keyof typeof componentKinds;

export function kindOf(name: string): ComponentKind | undefined {
  return Object.hasOwn(componentKinds, name) ? (componentKinds[name as ComponentKindName] as unknown as ComponentKind) : undefined;
}

export const kindNames = Object.keys(componentKinds) as ComponentKindName[];
