import { randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, it } from 'vitest';
import { testBroker } from '../../testing/brokers.js';
import { brokerProfiles } from '../capabilities.js';
import { brokerContract, type ContractHarness } from '../contract.js';
import { runPrefix } from '../real.js';
import { kafkaAdapter } from './adapter.js';

// Only when KAFKA_BROKERS is set (no Kafka can be installed on the project's machines);
// otherwise testBroker says why and every case is skipped.
const url = await testBroker('kafka', 'kafka-broker.contract.test.ts');
const run = randomBytes(3).toString('hex');
let cases = 0;

async function harness(): Promise<ContractHarness> {
  const broker = await kafkaAdapter.open(url!, { prefix: runPrefix(`test-${run}-${++cases}`), connectTimeoutMs: 10_000 });
  let n = 0;
  return {
    broker,
    // Group joins take seconds (group.initial.rebalance.delay.ms is 3 s by default; test
    // brokers often set it to 0), and sessions are at least 6 s.
    tick: 5000,
    settle: (ms) => sleep(ms),
    unique: (base) => `${base}-${++n}`,
    dispose: async () => {
      await broker.dispose();
    },
  };
}

describe.skipIf(url === undefined)('broker contract: kafka (kafkajs)', () => {
  for (const c of brokerContract(harness, brokerProfiles.kafka.capabilities)) {
    it.skipIf(c.skip !== undefined)(c.skip ? `${c.name} (skipped: ${c.skip.split(';')[0]})` : c.name, c.run, 120_000);
  }
});
