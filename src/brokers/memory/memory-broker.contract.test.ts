import { describe, it } from 'vitest';
import { Kernel } from '../../core/kernel.js';
import { brokerProfiles, type BrokerProfileName } from '../capabilities.js';
import { brokerContract, type ContractHarness } from '../contract.js';
import { MemoryBroker } from './memory-broker.js';

function harness(profile: BrokerProfileName): ContractHarness {
  const kernel = new Kernel();
  let n = 0;
  return {
    broker: new MemoryBroker(kernel, { profile: brokerProfiles[profile], latencyMs: 1 }),
    tick: 50,
    settle: async (ms) => {
      kernel.runUntil(kernel.now() + ms);
    },
    unique: (base) => `${base}-${++n}`,
  };
}

// The memory adapter alone, and limited to what each real broker offers: the cases a real
// broker could not pass are skipped, and what it lacks must be refused.
describe.each(['memory', 'rabbitmq', 'redis', 'kafka'] as const)('broker contract: memory adapter like %s', (profile) => {
  for (const c of brokerContract(() => harness(profile), brokerProfiles[profile].capabilities)) {
    it.skipIf(c.skip !== undefined)(c.skip ? `${c.name} (skipped: ${c.skip.split(';')[0]})` : c.name, c.run);
  }
});
