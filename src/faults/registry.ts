import type { z } from 'zod';
import type { FaultKind } from './kind.js';
import { errorRateFault, latencyFault, outageFault, stopFault } from './service-faults.js';

/** Every fault a scenario timeline (or a keypress) may inject. */
export const faultKinds = {
  outage: outageFault,
  'error-rate': errorRateFault,
  latency: latencyFault,
  stop: stopFault,
} as const satisfies Record<string, FaultKind<z.ZodType>>;

export type FaultKindName = keyof typeof faultKinds;

export function faultKindOf(name: string): FaultKind | undefined {
  return Object.hasOwn(faultKinds, name) ? (faultKinds[name as FaultKindName] as unknown as FaultKind) : undefined;
}
