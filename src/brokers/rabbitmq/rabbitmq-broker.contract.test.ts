import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'vitest';
import { testBroker } from '../../testing/brokers.js';
import { brokerProfiles } from '../capabilities.js';
import { brokerContract, type ContractHarness } from '../contract.js';
import { runPrefix } from '../real.js';
import { rabbitmqAdapter } from './adapter.js';

const url = await testBroker('rabbitmq', 'rabbitmq-broker.contract.test.ts');
const run = randomBytes(3).toString('hex');
let cases = 0;

// Each case gets a broker of its own under its own run prefix, and removes what it made.
async function harness(): Promise<ContractHarness> {
  const broker = await rabbitmqAdapter.open(url!, { prefix: runPrefix(`test-${run}-${++cases}`), connectTimeoutMs: 5000 });
  let n = 0;
  return {
    broker,
    tick: 150,
    settle: (ms) => sleep(ms),
    unique: (base) => `${base}-${++n}`,
    dispose: async () => {
      await broker.dispose();
    },
  };
}

describe.skipIf(url === undefined)('broker contract: rabbitmq (amqplib)', () => {
  for (const c of brokerContract(harness, brokerProfiles.rabbitmq.capabilities)) {
    it.skipIf(c.skip !== undefined)(c.skip ? `${c.name} (skipped: ${c.skip.split(';')[0]})` : c.name, c.run);
  }
});
