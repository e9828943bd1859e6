import type { z } from 'zod';
import { circuitBreakerKind } from '../patterns/circuit-breaker.js';
import { contentBasedRouterKind } from '../patterns/content-based-router.js';
import { scatterGatherKind } from '../patterns/scatter-gather.js';
import { fallbackKind } from '../patterns/fallback.js';
import { retryKind } from '../patterns/retry.js';
import { timeoutKind } from '../patterns/timeout.js';
import { brokerKind } from './broker.js';
import { clientKind } from './client.js';
import { consumerKind } from './consumer.js';
import type { ComponentKind } from './kind.js';
import { loadKind } from './load.js';
import { producerKind } from './producer.js';
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
  broker: brokerKind,
  producer: producerKind,
  consumer: consumerKind,
  'content-based-router': contentBasedRouterKind,
  'scatter-gather': scatterGatherKind,
} as const satisfies Record<string, ComponentKind<z.ZodType>>;

export type ComponentKindName = keyof typeof componentKinds;

export function kindOf(name: string): ComponentKind | undefined {
  return Object.hasOwn(componentKinds, name) ? (componentKinds[name as ComponentKindName] as unknown as ComponentKind) : undefined;
}

export const kindNames = Object.keys(componentKinds) as ComponentKindName[];
