import { describe, expect, it } from 'vitest';
import { runMessaging } from '../testing/messaging.js';

const stream = `  broker: { kind: broker, queues: { q: { ackTimeout: 1s } }, streams: { s: { partitions: 1 } } }
  p: { kind: producer, broker: broker, queue: q }
  c: { kind: consumer, broker: broker, queue: q, work: 5ms }
  sp: { kind: producer, broker: broker, stream: s, key: k }
  sc: { kind: consumer, broker: broker, stream: s, work: 1ms }
  users: { kind: load, target: p, rate: 50/s }
  events: { kind: load, target: sp, rate: 50/s, mix: [{ weight: 1, key: { name: k, count: 3 } }] }`;

describe('message faults on a link', () => {
  it.each([
    {
      fault: 'message-drop on a consumer: dropped deliveries come back after the ack timeout',
      spec: '{ kind: message-drop, target: c, rate: 20%, at: 1s, for: 3s }',
      check: (r: Awaited<ReturnType<typeof runMessaging>>) => {
        expect(r.counters('broker')['returned']).toBeGreaterThan(10);
        expect(r.producer('p').lost).toBe(0);
      },
    },
    {
      fault: 'message-duplicate on a consumer: the same delivery is processed twice',
      spec: '{ kind: message-duplicate, target: c, rate: 20%, at: 1s, for: 3s }',
      check: (r: Awaited<ReturnType<typeof runMessaging>>) => expect(r.counters('c')['duplicates']).toBeGreaterThan(10),
    },
    {
      fault: 'message-reorder on a producer: a key’s events reach the stream out of order',
      spec: '{ kind: message-reorder, target: sp, jitter: 200ms, at: 1s, for: 3s }',
      check: (r: Awaited<ReturnType<typeof runMessaging>>) => expect(r.counters('sc')['outOfOrder']).toBeGreaterThan(10),
    },
  ])('$fault', async ({ spec, check }) => {
    check(await runMessaging(stream, { faults: `  - ${spec}`, duration: '6s' }));
  });

  it('message-delay adds to every message’s wait', async () => {
    const plain = await runMessaging(stream, { duration: '3s', measure: 'c.wait.p50' });
    const delayed = await runMessaging(stream, { faults: '  - { kind: message-delay, target: c, add: 300ms, at: 0s }', duration: '3s', measure: 'c.wait.p50' });
    expect(plain.measured).toBeLessThan(5);
    expect(delayed.measured).toBeGreaterThanOrEqual(300);
  });
});
