import { describe, expect, it } from 'vitest';
import { Kernel } from '../../core/kernel.js';
import type { Connection, Delivery, Message, QueueOptions } from '../broker.js';
import { brokerProfiles } from '../capabilities.js';
import type { BrokerEvent } from './host.js';
import { MemoryBroker } from './memory-broker.js';

const msg = (id: string): Message => ({ id, headers: {}, size: 10, timestamp: 0 });

function bench(queue: QueueOptions = {}, profile = brokerProfiles.memory) {
  const kernel = new Kernel();
  const broker = new MemoryBroker(kernel, { profile });
  const events: BrokerEvent[] = [];
  broker.observe((e) => events.push(e));
  broker.declare({ queues: { dlq: {}, q: queue } }, () => {});
  const connect = (): Connection => {
    let conn: Connection | undefined;
    broker.connect('c', { closed() {} }, (_e, c) => (conn = c));
    kernel.runUntil(kernel.now());
    return conn!;
  };
  const conn = connect();
  const got: Delivery[] = [];
  const run = (ms = 0) => kernel.runUntil(kernel.now() + ms);
  return { kernel, broker, events, conn, got, run, connect, consume: (prefetch = 10) => conn.consume('q', { prefetch }, { delivery: (d) => got.push(d) }) };
}

describe('memory queue', () => {
  it('a nacked message goes back to the front, before messages that were behind it', () => {
    const b = bench();
    for (const id of ['a', 'b', 'c']) b.conn.send('q', msg(id), {}, () => {});
    b.consume(1);
    b.run();
    b.got[0]!.nack();
    b.run();
    b.got[1]!.ack();
    b.run();
    expect(b.got.map((d) => d.message.id)).toEqual(['a', 'a', 'b']);
    expect(b.got.map((d) => d.deliveryCount)).toEqual([1, 2, 1]);
  });

  it.each([
    { after: 1, deliveries: 1 },
    { after: 3, deliveries: 3 },
  ])('with a delivery limit of $after it is delivered $deliveries times, then dead-lettered', ({ after, deliveries }) => {
    const b = bench({ deadLetter: { queue: 'dlq', afterDeliveries: after } });
    b.conn.consume('q', { prefetch: 1 }, { delivery: (d) => (b.got.push(d), d.nack()) });
    b.conn.send('q', msg('p'), {}, () => {});
    b.run(10);
    expect(b.got).toHaveLength(deliveries);
    expect(b.events.filter((e) => e.type === 'dead-lettered')).toEqual([{ type: 'dead-lettered', id: 'p', group: 'q', to: 'dlq', reason: 'delivery-limit' }]);
  });

  it('a reject without a dead-letter queue drops the message', () => {
    const b = bench();
    b.consume();
    b.conn.send('q', msg('x'), {}, () => {});
    b.run();
    b.got[0]!.reject();
    b.run(10);
    expect(b.events.at(-1)).toEqual({ type: 'dropped', id: 'x', group: 'q', reason: 'rejected' });
    expect([...b.broker.holding()]).toEqual([]);
  });

  it('the late ack of a delivery taken back by its ack timeout is ignored', () => {
    const b = bench({ ackTimeoutMs: 100 });
    b.consume(1);
    b.conn.send('q', msg('slow'), {}, () => {});
    b.run(150);
    expect(b.got).toHaveLength(2);
    b.got[0]!.ack();
    b.run();
    expect(b.events.filter((e) => e.type === 'acked')).toHaveLength(0);
    b.got[1]!.ack();
    b.run();
    expect(b.events.filter((e) => e.type === 'acked')).toHaveLength(1);
  });

  it('an expired message at the head is dead-lettered at its expiry, even with no consumer', () => {
    const b = bench({ messageTtlMs: 100, deadLetter: { queue: 'dlq' } });
    b.conn.send('q', msg('old'), {}, () => {});
    b.run(99);
    expect(b.events.some((e) => e.type === 'dead-lettered')).toBe(false);
    b.run(1);
    expect(b.events.find((e) => e.type === 'dead-lettered')).toMatchObject({ id: 'old', reason: 'expired' });
  });

  it('acks on a closed connection never reach the broker; the message comes back', () => {
    const b = bench();
    b.consume();
    b.conn.send('q', msg('m'), {}, () => {});
    b.run();
    b.conn.close('abrupt');
    b.got[0]!.ack();
    const other = b.connect();
    const again: Delivery[] = [];
    other.consume('q', { prefetch: 1 }, { delivery: (d) => again.push(d) });
    b.run();
    expect(again.map((d) => d.message.id)).toEqual(['m']);
  });

  it('a broker without delivery counts says only first (1) or redelivered (2)', () => {
    const profile = { ...brokerProfiles.memory, capabilities: { ...brokerProfiles.memory.capabilities, supported: new Set([...brokerProfiles.memory.capabilities.supported].filter((c) => c !== 'delivery-count')) } };
    const b = bench({}, profile);
    b.conn.consume('q', { prefetch: 1 }, { delivery: (d) => (b.got.push(d), b.got.length < 4 && d.nack()) });
    b.conn.send('q', msg('m'), {}, () => {});
    b.run(10);
    expect(b.got.map((d) => d.deliveryCount)).toEqual([1, 2, 2, 2]);
  });

  it('going unavailable closes every connection and requeues what was unacked', () => {
    const b = bench();
    const closed: string[] = [];
    let conn: Connection | undefined;
    b.broker.connect('watcher', { closed: (r) => closed.push(r) }, (_e, c) => (conn = c));
    b.run();
    conn!.consume('q', { prefetch: 5 }, { delivery: () => {} });
    b.conn.send('q', msg('m'), {}, () => {});
    b.run();
    b.broker.setAvailable(false);
    expect(closed).toEqual(['broker unavailable']);
    expect(b.events.at(-1)).toMatchObject({ type: 'returned', reason: 'connection-lost' });
    let refused: string | undefined;
    b.broker.connect('late', { closed() {} }, (e) => (refused = e?.code));
    b.run();
    expect(refused).toBe('unavailable');
  });
});

describe('memory queue, a consumer that nacks at once', () => {
  it('gets the message back on the next pass, so the clock moves between attempts', () => {
    const kernel = new Kernel();
    const broker = new MemoryBroker(kernel, { latencyMs: 1 });
    broker.declare({ queues: { q: {} } }, () => {});
    let conn: Connection | undefined;
    broker.connect('c', { closed() {} }, (_e, c) => (conn = c));
    kernel.runUntil(1);
    const times: number[] = [];
    conn!.consume('q', { prefetch: 1 }, { delivery: (d) => (times.push(kernel.now()), d.nack()) });
    conn!.send('q', msg('bounce'), {}, () => {});
    kernel.runUntil(10);
    expect(times.length).toBeGreaterThan(3);
    expect(new Set(times).size).toBe(times.length);
  });
});
