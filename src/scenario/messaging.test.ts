import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../core/errors.js';
import { loadScenarioText } from './load.js';

/** A small messaging scenario with `broker`, `consumer` and `faults` blocks swappable. */
function text({ broker = '', producer = '', consumer = '', faults = '' } = {}): string {
  return `name: msg
title: A messaging scenario
pattern: work-queue
goal: Checks what the loader says about brokers.
duration: 10s
components:
  broker:
    kind: broker
    queues:
      jobs: { deadLetter: { to: jobs-dlq } }
      jobs-dlq: {}
${broker}
  shop:
    kind: producer
    broker: broker
    queue: jobs
${producer}
  worker:
    kind: consumer
    broker: broker
    queue: jobs
${consumer}
  users: { kind: load, target: shop, rate: 10/s }
${faults ? `faults:\n${faults}` : ''}
expect:
  - { says: nothing lost, metric: shop.lost, equals: 0 }
baseline:
  components:
    worker: { prefetch: null }
`;
}

function problemOf(source: string): string {
  try {
    loadScenarioText('s.yaml', source);
  } catch (error) {
    if (error instanceof ScenarioError) return [error.message, ...error.details].join('\n');
    throw error;
  }
  return 'no error';
}

describe('loading messaging scenarios', () => {
  it('loads a good one', () => {
    expect(problemOf(text())).toBe('no error');
  });

  it.each([
    {
      name: 'a broker limited to kafka has no queues',
      broker: '    like: kafka',
      message: /^s\.yaml:10:7: components\.broker\.queues: a broker like kafka has no queues .*Kafka has no per-message acks/,
    },
    {
      name: 'a durable subscription on a queue',
      consumer: '    durable: true',
      message: /components\.worker\.durable: durable applies to topic subscriptions/,
    },
    {
      name: 'an outbox without a database',
      producer: '    outbox: { every: 100ms }',
      message: /components\.shop\.outbox: an outbox lives in the service’s database/,
    },
    {
      name: 'a message size without a unit',
      producer: '    size: 2048',
      message: /components\.shop\.size: /,
    },
    {
      name: 'a crash aimed at the broker',
      faults: '  - { kind: crash, target: broker, at: 1s }',
      message: /faults\[0\]\.target: crash cannot target broker: only a process with a connection to a broker \(a producer, a consumer, a saga, a saga participant, a read model\) can take this fault, and this is a broker/,
    },
    {
      name: 'a slowdown that does not say how much',
      faults: '  - { kind: slowdown, target: worker, at: 1s }',
      message: /say how much slower/,
    },
  ])('$name', ({ message, ...parts }) => {
    expect(problemOf(text(parts))).toMatch(message);
  });

  it('refuses a queue priority a broker like redis does not have, and takes its dead-letter queue', () => {
    const source = text({ broker: '    like: redis' });
    expect(problemOf(source)).toBe('no error');
    const prioritised = source.replace('{ deadLetter: { to: jobs-dlq } }', '{ deadLetter: { to: jobs-dlq }, maxPriority: 5 }');
    expect(problemOf(prioritised)).toMatch(/components\.broker\.queues\.jobs\.maxPriority: a broker like redis has no priorities/);
  });

  it('refuses a producer asking for priorities a broker like redis does not have', () => {
    const source = text({ broker: '    like: redis', producer: '    priority: 5' }).replace('{ deadLetter: { to: jobs-dlq } }', '{}');
    expect(problemOf(source)).toMatch(/^s\.yaml:\d+:\d+: components\.shop\.priority: a broker like redis has no priorities .*one stream per priority/);
  });

  it('names a queue the broker does not declare, with a suggestion', () => {
    const source = text().replace('    queue: jobs\n\n  users', '    queue: jbos\n\n  users');
    expect(problemOf(source)).toMatch(/components\.worker\.queue: the broker declares no queue "jbos" \(did you mean "jobs"\?\)/);
  });

  it('refuses a dead-letter queue that is not one of the broker’s queues', () => {
    expect(problemOf(text().replace('deadLetter: { to: jobs-dlq }', 'deadLetter: { to: dlq }'))).toMatch(/deadLetter\.to: dead-letters to "dlq", which is not one of its queues/);
  });

  it('a variant may remove a field with null, putting back its default', () => {
    const main = loadScenarioText('s.yaml', text({ consumer: '    prefetch: 1' }));
    const baseline = loadScenarioText('s.yaml', text({ consumer: '    prefetch: 1' }), { baseline: true });
    const prefetch = (s: typeof main) => (s.components.find((c) => c.name === 'worker')!.config as { prefetch: number }).prefetch;
    expect([prefetch(main), prefetch(baseline)]).toEqual([1, 10]);
  });

  it('reads sizes in binary units', () => {
    const s = loadScenarioText('s.yaml', text({ broker: '    maxMessageSize: 1.5MB', producer: '    size: 20KB' }));
    expect((s.components.find((c) => c.name === 'broker')!.config as { maxMessageSize: number }).maxMessageSize).toBe(1.5 * 1024 * 1024);
    expect((s.components.find((c) => c.name === 'shop')!.config as { size: unknown }).size).toEqual({ dist: 'constant', bytes: 20 * 1024 });
  });
});
