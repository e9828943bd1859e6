import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../../core/kernel.js';
import type { Connection, Delivery, Message, StreamRecord } from '../broker.js';
import type { BrokerEvent } from './host.js';
import { MemoryBroker } from './memory-broker.js';

const msg = (id: string, key?: string): Message => ({ id, key, headers: {}, size: 10, timestamp: 0 });

function setup() {
  const kernel = new Kernel();
  const broker = new MemoryBroker(kernel, { latencyMs: 1 });
  const events: BrokerEvent[] = [];
  broker.observe((e) => events.push(e));
  const connect = (name: string): Connection => {
    let conn: Connection | undefined;
    broker.connect(name, { closed() {} }, (_e, c) => (conn = c));
    kernel.runUntil(kernel.now() + 2);
    return conn!;
  };
  return { kernel, broker, events, connect, run: (ms: number) => kernel.runUntil(kernel.now() + ms) };
}

type QueueOp =
  | { op: 'send'; n: number }
  | { op: 'settle'; consumer: number; pick: number; how: 'ack' | 'nack' | 'reject' }
  | { op: 'crash'; consumer: number }
  | { op: 'wait'; ms: number };

const queueOp: fc.Arbitrary<QueueOp> = fc.oneof(
  fc.record({ op: fc.constant('send' as const), n: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ op: fc.constant('settle' as const), consumer: fc.nat(2), pick: fc.nat(20), how: fc.constantFrom('ack' as const, 'nack' as const, 'reject' as const) }),
  fc.record({ op: fc.constant('crash' as const), consumer: fc.nat(2) }),
  fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 200 }) }),
);

describe('memory broker properties', () => {
  it('no message that was acked is ever delivered again', () => {
    fc.assert(
      fc.property(
        fc.array(queueOp, { maxLength: 60 }),
        fc.integer({ min: 1, max: 4 }),
        fc.option(fc.integer({ min: 50, max: 300 }), { nil: undefined }),
        (ops, prefetch, ackTimeoutMs) => {
          const s = setup();
          s.broker.declare({ queues: { dlq: {}, q: { ackTimeoutMs, deadLetter: { queue: 'dlq', afterDeliveries: 4 } } } }, () => {});
          const producer = s.connect('p');
          const held: Delivery[][] = [[], [], []];
          const conns: Connection[] = [];
          const start = (i: number) => {
            conns[i] = s.connect(`c${i}`);
            held[i] = [];
            conns[i]!.consume('q', { prefetch }, { delivery: (d) => held[i]!.push(d) });
          };
          [0, 1, 2].forEach(start);
          let n = 0;
          for (const o of ops) {
            if (o.op === 'send') for (let k = 0; k < o.n; k++) producer.send('q', msg(`m${n++}`), {}, () => {});
            else if (o.op === 'wait') s.run(o.ms);
            else if (o.op === 'crash') {
              conns[o.consumer]!.close('abrupt');
              start(o.consumer);
            } else {
              const list = held[o.consumer]!;
              if (list.length === 0) continue;
              const [d] = list.splice(o.pick % list.length, 1);
              if (o.how === 'ack') d!.ack();
              else if (o.how === 'nack') d!.nack();
              else d!.reject();
            }
          }
          s.run(2000);
          const acked = new Set<string>();
          for (const e of s.events) {
            if (e.type === 'acked' && e.group === 'q') acked.add(e.id);
            if (e.type === 'delivered' && e.group === 'q') expect(acked.has(e.id), `${e.id} delivered after it was acked`).toBe(false);
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('every message a crashed consumer held unacked is delivered again', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 30 }), fc.integer({ min: 1, max: 10 }), fc.array(fc.boolean(), { maxLength: 30 }), (count, prefetch, acks) => {
        const s = setup();
        s.broker.declare({ queues: { q: {} } }, () => {});
        const producer = s.connect('p');
        const doomed = s.connect('doomed');
        const held: Delivery[] = [];
        doomed.consume('q', { prefetch }, { delivery: (d) => held.push(d) });
        for (let i = 0; i < count; i++) producer.send('q', msg(`m${i}`), {}, () => {});
        s.run(10);
        const acked = held.filter((_d, i) => acks[i]);
        const unacked = held.filter((_d, i) => !acks[i]);
        for (const d of acked) d.ack();
        s.run(1);
        doomed.close('abrupt');
        const heir = s.connect('heir');
        const redelivered: string[] = [];
        heir.consume('q', { prefetch: 1000 }, {
          delivery(d) {
            redelivered.push(d.message.id);
            d.ack();
          },
        });
        s.run(100);
        for (const d of unacked) expect(redelivered).toContain(d.message.id);
        // Everything but what was acked reaches the heir: nothing lost, nothing acked comes back.
        expect(new Set(redelivered).size).toBe(count - acked.length);
        for (const d of acked) expect(redelivered).not.toContain(d.message.id);
      }),
      { numRuns: 200 },
    );
  });

  type StreamOp =
    | { op: 'append'; key: number }
    | { op: 'join' }
    | { op: 'leave'; member: number; abrupt: boolean }
    | { op: 'wait'; ms: number };

  const streamOp: fc.Arbitrary<StreamOp> = fc.oneof(
    { weight: 4, arbitrary: fc.record({ op: fc.constant('append' as const), key: fc.nat(6) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('join' as const) }) },
    { weight: 1, arbitrary: fc.record({ op: fc.constant('leave' as const), member: fc.nat(5), abrupt: fc.boolean() }) },
    { weight: 2, arbitrary: fc.record({ op: fc.constant('wait' as const), ms: fc.integer({ min: 1, max: 100 }) }) },
  );

  it('per partition, a group reads records in offset order from its committed offset, and a key stays in one partition', () => {
    fc.assert(
      fc.property(fc.array(streamOp, { maxLength: 80 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 40 }), (ops, partitions, work) => {
        const s = setup();
        s.broker.declare({ streams: { log: { partitions } } }, () => {});
        const producer = s.connect('p');
        const members: Connection[] = [];
        const delivered: StreamRecord[] = [];
        const join = () => {
          const c = s.connect(`m${members.length}`);
          members.push(c);
          c.join('log', { group: 'g', sessionTimeoutMs: 50 }, {
            record(r) {
              delivered.push(r);
              s.kernel.setTimer(work, () => r.commit());
            },
            assigned() {},
            revoked() {},
          });
        };
        join();
        const appended: { id: string; key: string; partition: number; offset: number }[] = [];
        let n = 0;
        for (const o of ops) {
          if (o.op === 'append') {
            const id = `r${n++}`;
            const key = `k${o.key}`;
            producer.append('log', msg(id, key), {}, (_e, at) => appended.push({ id, key, ...at! }));
          } else if (o.op === 'join') join();
          else if (o.op === 'leave') members[o.member % members.length]!.close(o.abrupt ? 'abrupt' : 'graceful');
          else s.run(o.ms);
        }
        s.run(5000);
        // Same key, same partition, in append order.
        const byKey = new Map<string, typeof appended>();
        for (const a of appended) byKey.set(a.key, [...(byKey.get(a.key) ?? []), a]);
        for (const list of byKey.values()) {
          expect(new Set(list.map((a) => a.partition)).size).toBe(1);
          for (let i = 1; i < list.length; i++) expect(list[i]!.offset).toBeGreaterThan(list[i - 1]!.offset);
        }
        // Each delivery reads the record right after the group's last commit in its partition.
        const committed = new Array<number>(partitions).fill(0);
        let deliveries = 0;
        for (const e of s.events) {
          if (e.type === 'committed') {
            expect(e.offset).toBe(committed[e.partition]);
            committed[e.partition] = e.offset + 1;
          }
          if (e.type === 'delivered' && e.group === 'log@g') {
            const r = delivered[deliveries++]!;
            expect(r.offset).toBe(committed[r.partition]);
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});
