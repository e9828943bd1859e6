import type { z } from 'zod';
import type { FaultKind } from './kind.js';
import { errorRateFault, latencyFault, outageFault, stopFault } from './service-faults.js';
import {
  brokerUnavailableFault,
  crashFault,
  messageDelayFault,
  messageDropFault,
  messageDuplicateFault,
  messageReorderFault,
  partitionFault,
  poisonMessageFault,
  slowdownFault,
} from './messaging-faults.js';
import { pauseFault } from './process-faults.js';
import { replicaLagFault } from './replication-faults.js';

/** Every fault a scenario timeline (or a keypress) may inject. */
export const faultKinds = {
  outage: outageFault,
  'error-rate': errorRateFault,
  latency: latencyFault,
  stop: stopFault,
  crash: crashFault,
  slowdown: slowdownFault,
  'message-drop': messageDropFault,
  'message-duplicate': messageDuplicateFault,
  'message-delay': messageDelayFault,
  'message-reorder': messageReorderFault,
  partition: partitionFault,
  'poison-message': poisonMessageFault,
  'broker-unavailable': brokerUnavailableFault,
  pause: pauseFault,
  'replica-lag': replicaLagFault,
} as const satisfies Record<string, FaultKind<z.ZodType>>;

export type FaultKindName = keyof typeof faultKinds;

export function faultKindOf(name: string): FaultKind | undefined {
  return Object.hasOwn(faultKinds, name) ? (faultKinds[name as FaultKindName] as unknown as FaultKind) : undefined;
}
