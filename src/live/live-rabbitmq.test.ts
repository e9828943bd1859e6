/**
 * Live runs against the real RabbitMQ (skipped with a message when it is not running and
 * PATTERNS_REQUIRE_BROKERS is unset): a run handles messages on the real broker, and
 * whatever ends it — its end or Ctrl-C — leaves no queue under its prefix, while a queue
 * that is not the run's is untouched.
 */
import amqp from 'amqplib';
import { Chalk } from 'chalk';
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIO } from '../commands/context.js';
import { loadScenarioText } from '../scenario/load.js';
import { testBroker } from '../testing/brokers.js';
import { executeLive } from './run-live.js';

const url = await testBroker('rabbitmq', 'live-rabbitmq.test.ts');
const tag = randomBytes(3).toString('hex');
const cwd = mkdtempSync(path.join(tmpdir(), 'patterns-live-rabbit-'));
const foreign = `foreign.${tag}.keep-me`;

const SCENARIO = (duration: string) => `
name: live-rabbit
title: a queue, live on RabbitMQ
pattern: work-queue
goal: test
seed: 1
duration: ${duration}
components:
  broker:
    kind: broker
    queues:
      jobs: {}
  jobs:
    kind: producer
    broker: broker
    queue: jobs
  workers:
    kind: consumer
    broker: broker
    queue: jobs
    instances: 2
    work: 5ms
  users:
    kind: load
    target: jobs
    rate: 30/s
expect:
  - id: handled
    says: jobs are handled
    metric: workers.processed
    atLeast: 5
`;

const POISON = `
name: live-poison
title: a poison message, live on RabbitMQ
pattern: dead-letter-queue
goal: test
seed: 3
duration: 4s
components:
  broker:
    kind: broker
    queues:
      orders: { deadLetter: { to: orders-dlq, after: 3 } }
      orders-dlq: {}
  checkout:
    kind: producer
    broker: broker
    queue: orders
  fulfilment:
    kind: consumer
    broker: broker
    queue: orders
    prefetch: 1
    work: 5ms
    onError: requeue
  shoppers:
    kind: load
    target: checkout
    rate: 20/s
faults:
  - id: poison
    kind: poison-message
    target: checkout
    at: 1s
expect:
  - id: set-aside
    says: the poison message ends in the dead-letter queue
    metric: broker.deadLettered
    atLeast: 1
`;

function io(signal: AbortSignal): CliIO {
  const sink = { write: () => true, isTTY: false, columns: 100, rows: 40 };
  return { stdout: sink as never, stderr: sink as never, env: {}, signal, colourFlag: false, invocation: 'patterns' };
}

async function queueExists(name: string): Promise<boolean> {
  const model = await amqp.connect(url!);
  try {
    const ch = await model.createChannel();
    ch.on('error', () => {});
    await ch.checkQueue(name);
    return true;
  } catch {
    return false;
  } finally {
    await model.close().catch(() => {});
  }
}

describe.skipIf(!url)('live runs on RabbitMQ', () => {
  beforeAll(async () => {
    const model = await amqp.connect(url!);
    const ch = await model.createChannel();
    await ch.assertQueue(foreign, { durable: false });
    await model.close();
  });
  afterAll(async () => {
    const model = await amqp.connect(url!);
    const ch = await model.createChannel();
    await ch.deleteQueue(foreign);
    await model.close();
  });

  it('handles messages on the real broker, then removes its queue and leaves foreign ones alone', async () => {
    const runId = `t-${tag}-1`;
    const run = await executeLive(loadScenarioText('live.yaml', SCENARIO('2s')), { mode: 'plain', io: io(new AbortController().signal), c: new Chalk({ level: 0 }), broker: url, runId, cwd });
    expect(run.result.passed).toBe(true);
    const messages = run.result.summary.messages!;
    expect(messages.producers[0]!.lost).toBe(0);
    expect(await queueExists(`patterns.${runId}.broker.jobs`)).toBe(false);
    expect(await queueExists(foreign)).toBe(true);
  });

  it('reads the dead-letter queue at the end: the poison message settles as dead-lettered, not pending', async () => {
    const runId = `t-${tag}-3`;
    const run = await executeLive(loadScenarioText('poison.yaml', POISON), { mode: 'json', io: io(new AbortController().signal), c: new Chalk({ level: 0 }), broker: url, runId, cwd });
    expect(run.result.passed).toBe(true);
    const group = run.result.summary.messages!.groups.find((g) => g.group === 'orders')!;
    expect(group.deadLettered).toBe(1);
    expect(await queueExists(`patterns.${runId}.broker.orders-dlq`)).toBe(false);
  }, 30_000);

  it('Ctrl-C in the middle of a run leaves no queue under its prefix', async () => {
    const runId = `t-${tag}-2`;
    const controller = new AbortController();
    const running = executeLive(loadScenarioText('live.yaml', SCENARIO('60s')), { mode: 'json', io: io(controller.signal), c: new Chalk({ level: 0 }), broker: url, runId, cwd });
    // Wait until the run's queue exists on the broker, then interrupt.
    while (!(await queueExists(`patterns.${runId}.broker.jobs`))) await new Promise((r) => setTimeout(r, 50));
    controller.abort();
    const run = await running;
    expect(run.result.interrupted).toBe(true);
    expect(await queueExists(`patterns.${runId}.broker.jobs`)).toBe(false);
    expect(await queueExists(foreign)).toBe(true);
  });
});
