import { describe, expect, it } from 'vitest';
import { runMessaging } from '../testing/messaging.js';

const queueSystem = (consumer: string, queue = '{}') => `  broker:
    kind: broker
    queues: { q: ${queue}, dlq: {} }
  p: { kind: producer, broker: broker, queue: q }
  c:
    kind: consumer
    broker: broker
    queue: q
    instances: 2
    prefetch: 5
    work: 50ms
    ackDelay: 100ms
${consumer}
  users: { kind: load, target: p, rate: 40/s }`;

const crash = '  - { kind: crash, target: c, instances: 1, at: 3s, for: 1s }';

describe('consumer', () => {
  it.each([
    { setting: 'ack: manual', lost: 'none', duplicates: 'some' },
    { setting: 'ack: manual\n    inbox: true', lost: 'none', duplicates: 'none' },
    { setting: 'ack: auto', lost: 'some', duplicates: 'none' },
  ])('a crash with $setting: $lost lost, $duplicates duplicate effects', async ({ setting, lost, duplicates }) => {
    const r = await runMessaging(queueSystem(`    ${setting}`), { faults: crash });
    expect(r.producer('p').lost > 0).toBe(lost === 'some');
    expect(r.counters('c')['duplicates']! > 0).toBe(duplicates === 'some');
    expect(r.counters('c')['crashes']).toBe(1);
  });

  it.each([
    { how: 'maxAttempts: 2 on the consumer', consumer: '    maxAttempts: 2', queue: '{ deadLetter: { to: dlq } }', deliveries: 2 },
    { how: 'a delivery limit of 4 on the queue', consumer: '', queue: '{ deadLetter: { to: dlq, after: 4 } }', deliveries: 4 },
    { how: 'onError: reject', consumer: '    onError: reject', queue: '{ deadLetter: { to: dlq } }', deliveries: 1 },
  ])('a poison message is dead-lettered after $deliveries deliveries with $how', async ({ consumer, queue, deliveries }) => {
    const r = await runMessaging(queueSystem(consumer, queue), { faults: '  - { kind: poison-message, target: p, at: 1s }' });
    expect(r.counters('c')['failed']).toBe(deliveries);
    expect(r.producer('p').deadLettered).toBe(1);
    expect(r.events.find((e) => e.kind === 'event' && e.name === 'dead-letter')).toMatchObject({ data: { from: 'q', to: 'dlq' } });
  });

  it('gives back what it does not accept, and rejects it with onMismatch: reject', async () => {
    const mix = ', mix: [{ weight: 1, tags: { type: a } }, { weight: 1, tags: { type: b } }]';
    const requeue = await runMessaging(queueSystem('    accepts: { type: a }').replace('rate: 40/s', `rate: 40/s${mix}`), { duration: '3s' });
    expect(requeue.counters('c')['mismatched']).toBeGreaterThan(0);
    expect(requeue.counters('c')['rejected']).toBe(0);
    const reject = await runMessaging(queueSystem('    accepts: { type: a }\n    onMismatch: reject', '{ deadLetter: { to: dlq } }').replace('rate: 40/s', `rate: 40/s${mix}`), { duration: '3s' });
    expect(reject.counters('c')['rejected']).toBe(reject.counters('c')['mismatched']);
    expect(reject.producer('p').deadLettered).toBeGreaterThan(0);
  });

  it.each([
    { durable: false, missed: true },
    { durable: true, missed: false },
  ])('a topic subscriber down for 2s, durable: $durable, misses events: $missed', async ({ durable, missed }) => {
    const r = await runMessaging(
      `  broker: { kind: broker, topics: [t] }
  p: { kind: producer, broker: broker, topic: t }
  sub: { kind: consumer, broker: broker, topic: t, durable: ${durable} }
  users: { kind: load, target: p, rate: 20/s }`,
      { faults: '  - { kind: crash, target: sub, at: 2s, for: 2s }' },
    );
    expect(r.counters('sub')['missed']! > 30).toBe(missed);
    expect(r.group('t@sub').lost > 0).toBe(missed);
  });

  it('a stream member that crashes hands its partitions over: replays, in order per key', async () => {
    const r = await runMessaging(
      `  broker: { kind: broker, streams: { s: { partitions: 4 } } }
  p: { kind: producer, broker: broker, stream: s, key: account }
  g: { kind: consumer, broker: broker, stream: s, instances: 2, work: 20ms, sessionTimeout: 500ms }
  users:
    kind: load
    target: p
    rate: 40/s
    mix: [{ weight: 1, key: { name: account, count: 10 } }]`,
      { faults: '  - { kind: crash, target: g, instances: 1, at: 3s, for: 2s }' },
    );
    const rebalances = r.events.filter((e) => e.kind === 'event' && e.name === 'rebalance');
    // Two joins at the start, the crashed member timed out, then its return.
    expect(rebalances.length).toBe(4);
    expect(r.counters('g')['outOfOrder']).toBe(0);
    expect(r.producer('p').lost).toBe(0);
  });

  it('shows SLOW while slowed down, and DISCONNECTED while the broker is away', async () => {
    const r = await runMessaging(queueSystem(''), {
      faults: `  - { kind: slowdown, target: c, at: 1s, for: 1s, factor: 5 }
  - { kind: broker-unavailable, target: broker, at: 4s, for: 1s }`,
    });
    const states = r.events.filter((e) => e.kind === 'transition' && e.component === 'c').map((e) => (e.kind === 'transition' ? e.to : ''));
    expect(states).toEqual(['SLOW', 'UP', 'DISCONNECTED', 'UP']);
  });
});
