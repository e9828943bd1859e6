import type { Contract } from './contract.js';
import { bucketContract } from './bucket.js';
import { fenceContract } from './fence.js';
import { gateContract } from './gate.js';
import { inboxContract } from './inbox.js';
import { orchestratorContract } from './orchestrator.js';
import { readsContract } from './reads.js';
import { relayContract } from './relay.js';
import { retryContract } from './retry.js';
import { slotsContract } from './slots.js';

/**
 * The shapes of learner code the simulator knows how to call. A template names one in its
 * template.yaml; a pattern whose shape fits an existing contract needs no code to get a template.
 */
export const contracts = {
  gate: gateContract,
  retry: retryContract,
  bucket: bucketContract,
  slots: slotsContract,
  inbox: inboxContract,
  relay: relayContract,
  orchestrator: orchestratorContract,
  reads: readsContract,
  fence: fenceContract,
} as const satisfies Record<string, Contract>;

export type ContractName = keyof typeof contracts;
export const contractNames = Object.keys(contracts) as ContractName[];

export function contractOf(name: string): Contract | undefined {
  return Object.hasOwn(contracts, name) ? contracts[name as ContractName] : undefined;
}

/** Every function name the simulator may be waiting on, for a host that has to say which one hung. */
export const hookNames: readonly string[] = ['module load', 'create', ...new Set(Object.values(contracts).flatMap((c: Contract) => c.hooks))];
