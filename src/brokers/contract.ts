/**
 * The broker contract: what every adapter must do, as cases a test runner can run. It is
 * independent of the test framework so the same cases run against the memory adapter now
 * and the Redis, RabbitMQ and Kafka adapters later:
 *
 *   for (const c of brokerContract(makeHarness)) it.skipIf(c.skip)(c.name, c.run);
 *
 * A case needing a capability the adapter does not declare is skipped with the reason;
 * one case checks that such operations are refused rather than faked.
 */
import assert from 'node:assert/strict';
import type { Broker, BrokerError, Connection, Delivery, Message, StreamRecord, Topology } from './broker.js';
import { capabilityNames, missingCapability, type Capability } from './capabilities.js';

export interface ContractHarness {
  broker: Broker;
  /** Lets `ms` of broker time pass: the simulated clock runs, or a real adapter waits. */
  settle(ms: number): Promise<void>;
  /**
   * A step of broker time long enough for callbacks to arrive; timeouts in the cases are
   * multiples of it (a real Kafka needs seconds: its minimum session timeout is 6 s).
   */
  readonly tick: number;
  /** A name no other test run uses (real brokers are shared). */
  unique(base: string): string;
  /** Cleans up what the case created (real brokers); may be absent. */
  dispose?(): Promise<void>;
}

export interface ContractCase {
  name: string;
  needs: readonly Capability[];
  /** Why it is skipped for this adapter, or undefined. */
  skip: string | undefined;
  run(): Promise<void>;
}

type Make = () => ContractHarness | Promise<ContractHarness>;


let seq = 0;
function message(id: string, over: Partial<Message> = {}): Message {
  return { id, headers: {}, size: 100, timestamp: 0, ...over };
}

async function declare(h: ContractHarness, topology: Topology): Promise<void> {
  let result: BrokerError | undefined | 'pending' = 'pending';
  h.broker.declare(topology, (e) => (result = e));
  await h.settle(h.tick);
  assert.equal(result, undefined, `declare failed: ${JSON.stringify(result)}`);
}

async function connect(h: ContractHarness, client: string): Promise<Connection> {
  let conn: Connection | undefined;
  let error: BrokerError | undefined;
  h.broker.connect(client, { closed() {} }, (e, c) => {
    error = e;
    conn = c;
  });
  await h.settle(h.tick);
  assert.ok(conn, `connect failed: ${error?.detail}`);
  return conn;
}

function collect(): { deliveries: Delivery[]; listener: { delivery(d: Delivery): void } } {
  const deliveries: Delivery[] = [];
  return { deliveries, listener: { delivery: (d) => deliveries.push(d) } };
}

function ids(ds: readonly { message: Message }[]): string[] {
  return ds.map((d) => d.message.id);
}

interface Spec {
  name: string;
  needs: Capability[];
  run(h: ContractHarness): Promise<void>;
}

const specs: Spec[] = [
  {
    name: 'callbacks never run inside the call that registers them',
    needs: ['pub-sub'],
    async run(h) {
      const t = h.unique('sync');
      await declare(h, { topics: [t] });
      const conn = await connect(h, 'p');
      let confirmed = false;
      conn.publish(t, message('m1'), () => (confirmed = true));
      assert.equal(confirmed, false);
      await h.settle(h.tick);
      assert.equal(confirmed, true);
    },
  },
  {
    name: 'a queue gives each message to exactly one of its competing consumers',
    needs: ['queues'],
    async run(h) {
      const q = h.unique('work');
      await declare(h, { queues: { [q]: {} } });
      const p = await connect(h, 'p');
      const [a, b] = [collect(), collect()];
      const ca = await connect(h, 'a');
      const cb = await connect(h, 'b');
      ca.consume(q, { prefetch: 10 }, a.listener);
      cb.consume(q, { prefetch: 10 }, b.listener);
      for (let i = 0; i < 6; i++) p.send(q, message(`m${i}`), {}, () => {});
      await h.settle(h.tick * 2);
      const all = [...ids(a.deliveries), ...ids(b.deliveries)].sort();
      assert.deepEqual(all, ['m0', 'm1', 'm2', 'm3', 'm4', 'm5']);
      assert.ok(a.deliveries.length > 0 && b.deliveries.length > 0, 'both consumers get work');
      for (const d of [...a.deliveries, ...b.deliveries]) d.ack();
      await h.settle(h.tick * 2);
      assert.equal(a.deliveries.length + b.deliveries.length, 6, 'acked messages are never delivered again');
    },
  },
  {
    name: 'a nacked message is delivered again; a rejected one is not',
    needs: ['queues'],
    async run(h) {
      const q = h.unique('nack');
      await declare(h, { queues: { [q]: {} } });
      const conn = await connect(h, 'c');
      const got = collect();
      conn.consume(q, { prefetch: 1 }, got.listener);
      conn.send(q, message('again'), {}, () => {});
      await h.settle(h.tick);
      got.deliveries[0]!.nack(true);
      await h.settle(h.tick);
      assert.deepEqual(ids(got.deliveries), ['again', 'again']);
      assert.ok(got.deliveries[1]!.deliveryCount >= 2, 'a redelivery says so');
      got.deliveries[1]!.reject();
      await h.settle(h.tick * 2);
      assert.equal(got.deliveries.length, 2);
    },
  },
  {
    name: 'prefetch bounds the unacked deliveries a consumer holds',
    needs: ['queues', 'prefetch'],
    async run(h) {
      const q = h.unique('prefetch');
      await declare(h, { queues: { [q]: {} } });
      const conn = await connect(h, 'c');
      const got = collect();
      conn.consume(q, { prefetch: 2 }, got.listener);
      for (let i = 0; i < 5; i++) conn.send(q, message(`m${i}`), {}, () => {});
      await h.settle(h.tick * 2);
      assert.equal(got.deliveries.length, 2);
      got.deliveries[0]!.ack();
      await h.settle(h.tick);
      assert.equal(got.deliveries.length, 3);
    },
  },
  {
    name: 'when a consumer’s connection dies, its unacked messages go to another consumer',
    needs: ['queues'],
    async run(h) {
      const q = h.unique('crash');
      await declare(h, { queues: { [q]: {} } });
      const p = await connect(h, 'p');
      const doomed = await connect(h, 'doomed');
      const lost = collect();
      doomed.consume(q, { prefetch: 5 }, lost.listener);
      for (let i = 0; i < 3; i++) p.send(q, message(`m${i}`), {}, () => {});
      await h.settle(h.tick * 2);
      assert.equal(lost.deliveries.length, 3);
      lost.deliveries[0]!.ack();
      await h.settle(h.tick);
      doomed.close('abrupt');
      const heir = collect();
      (await connect(h, 'heir')).consume(q, { prefetch: 5 }, heir.listener);
      await h.settle(h.tick * 4);
      assert.deepEqual(ids(heir.deliveries).sort(), ['m1', 'm2']);
    },
  },
  {
    name: 'a rejected message goes to the dead-letter queue',
    needs: ['queues', 'dead-letter'],
    async run(h) {
      const [q, dlq] = [h.unique('jobs'), h.unique('jobs-dlq')];
      await declare(h, { queues: { [dlq]: {}, [q]: { deadLetter: { queue: dlq } } } });
      const conn = await connect(h, 'c');
      const [main, dead] = [collect(), collect()];
      conn.consume(q, { prefetch: 1 }, main.listener);
      conn.consume(dlq, { prefetch: 1 }, dead.listener);
      conn.send(q, message('bad'), {}, () => {});
      await h.settle(h.tick);
      main.deliveries[0]!.reject();
      await h.settle(h.tick * 2);
      assert.deepEqual(ids(dead.deliveries), ['bad']);
    },
  },
  {
    name: 'the broker dead-letters a message after its delivery limit',
    needs: ['queues', 'dead-letter', 'delivery-limit'],
    async run(h) {
      const [q, dlq] = [h.unique('poison'), h.unique('poison-dlq')];
      await declare(h, { queues: { [dlq]: {}, [q]: { deadLetter: { queue: dlq, afterDeliveries: 3 } } } });
      const conn = await connect(h, 'c');
      const dead = collect();
      let attempts = 0;
      conn.consume(q, { prefetch: 1 }, {
        delivery(d) {
          attempts++;
          d.nack(true);
        },
      });
      conn.consume(dlq, { prefetch: 1 }, dead.listener);
      conn.send(q, message('poison'), {}, () => {});
      await h.settle(h.tick * 8);
      assert.equal(attempts, 3);
      assert.deepEqual(ids(dead.deliveries), ['poison']);
    },
  },
  {
    name: 'higher priorities overtake lower ones; FIFO within a priority',
    needs: ['queues', 'priorities'],
    async run(h) {
      const q = h.unique('prio');
      await declare(h, { queues: { [q]: { maxPriority: 9 } } });
      const conn = await connect(h, 'c');
      for (const [id, priority] of [['low-1', 1], ['high-1', 9], ['low-2', 1], ['high-2', 9]] as const) conn.send(q, message(id), { priority }, () => {});
      await h.settle(h.tick);
      const got = collect();
      conn.consume(q, { prefetch: 10 }, got.listener);
      await h.settle(h.tick);
      assert.deepEqual(ids(got.deliveries), ['high-1', 'high-2', 'low-1', 'low-2']);
    },
  },
  {
    name: 'a delayed message is not delivered before its delay',
    needs: ['queues', 'delayed-delivery'],
    async run(h) {
      const q = h.unique('delay');
      await declare(h, { queues: { [q]: {} } });
      const conn = await connect(h, 'c');
      const got = collect();
      conn.consume(q, { prefetch: 10 }, got.listener);
      conn.send(q, message('later'), { delayMs: h.tick * 6 }, () => {});
      await h.settle(h.tick * 3);
      assert.equal(got.deliveries.length, 0);
      await h.settle(h.tick * 6);
      assert.deepEqual(ids(got.deliveries), ['later']);
    },
  },
  {
    name: 'an expired message is dead-lettered instead of delivered',
    needs: ['queues', 'message-ttl', 'dead-letter'],
    async run(h) {
      const [q, dlq] = [h.unique('ttl'), h.unique('ttl-dlq')];
      await declare(h, { queues: { [dlq]: {}, [q]: { deadLetter: { queue: dlq } } } });
      const conn = await connect(h, 'c');
      conn.send(q, message('stale'), { ttlMs: h.tick }, () => {});
      await h.settle(h.tick * 4);
      const [main, dead] = [collect(), collect()];
      conn.consume(q, { prefetch: 1 }, main.listener);
      conn.consume(dlq, { prefetch: 1 }, dead.listener);
      await h.settle(h.tick * 2);
      assert.equal(main.deliveries.length, 0);
      assert.deepEqual(ids(dead.deliveries), ['stale']);
    },
  },
  {
    name: 'a delivery left unacked past the ack timeout is delivered again',
    needs: ['queues', 'ack-timeout'],
    async run(h) {
      const q = h.unique('slow');
      await declare(h, { queues: { [q]: { ackTimeoutMs: h.tick * 4 } } });
      const conn = await connect(h, 'c');
      const got = collect();
      conn.consume(q, { prefetch: 1 }, got.listener);
      conn.send(q, message('slow'), {}, () => {});
      await h.settle(h.tick * 6);
      assert.deepEqual(ids(got.deliveries), ['slow', 'slow']);
      got.deliveries[0]!.ack();
      got.deliveries[1]!.ack();
      await h.settle(h.tick * 8);
      assert.equal(got.deliveries.length, 2, 'the late ack of the first delivery does not count, the second does');
    },
  },
  {
    name: 'a topic gives every connected subscription a copy, and an absent non-durable one nothing',
    needs: ['pub-sub'],
    async run(h) {
      const t = h.unique('events');
      await declare(h, { topics: [t] });
      const p = await connect(h, 'p');
      const [a, b] = [collect(), collect()];
      (await connect(h, 'a')).subscribe(t, { name: 'a', durable: false, prefetch: 10 }, a.listener);
      const sb = (await connect(h, 'b')).subscribe(t, { name: 'b', durable: false, prefetch: 10 }, b.listener);
      p.publish(t, message('e1'), () => {});
      await h.settle(h.tick);
      sb.cancel();
      p.publish(t, message('e2'), () => {});
      await h.settle(h.tick);
      assert.deepEqual(ids(a.deliveries), ['e1', 'e2']);
      assert.deepEqual(ids(b.deliveries), ['e1']);
    },
  },
  {
    name: 'a durable subscription keeps what is published while its subscriber is away',
    needs: ['pub-sub', 'durable-subscriptions'],
    async run(h) {
      const t = h.unique('orders');
      await declare(h, { topics: [t] });
      const p = await connect(h, 'p');
      const first = await connect(h, 'mailer');
      first.subscribe(t, { name: 'mailer', durable: true, prefetch: 10 }, collect().listener);
      await h.settle(h.tick);
      first.close('abrupt');
      p.publish(t, message('while-away'), () => {});
      await h.settle(h.tick);
      const back = collect();
      (await connect(h, 'mailer')).subscribe(t, { name: 'mailer', durable: true, prefetch: 10 }, back.listener);
      await h.settle(h.tick * 2);
      assert.deepEqual(ids(back.deliveries), ['while-away']);
    },
  },
  {
    name: 'a stream keeps each key in one partition, in order',
    needs: ['partitions'],
    async run(h) {
      const s = h.unique('accounts');
      await declare(h, { streams: { [s]: { partitions: 3 } } });
      const conn = await connect(h, 'c');
      const seen: StreamRecord[] = [];
      conn.join(s, { group: 'g', sessionTimeoutMs: 1000 }, {
        record(r) {
          seen.push(r);
          r.commit();
        },
        assigned() {},
        revoked() {},
      });
      await h.settle(h.tick);
      for (let i = 0; i < 12; i++) conn.append(s, message(`k${i % 3}-${i}`, { key: `k${i % 3}` }), {}, () => {});
      await h.settle(h.tick * 10);
      assert.equal(seen.length, 12);
      for (const key of ['k0', 'k1', 'k2']) {
        const mine = seen.filter((r) => r.message.key === key);
        assert.equal(new Set(mine.map((r) => r.partition)).size, 1, `${key} stays in one partition`);
        assert.deepEqual(ids(mine), ids(mine).slice().sort((x, y) => Number(x.split('-')[1]) - Number(y.split('-')[1])));
      }
    },
  },
  {
    name: 'when a group member goes, its partitions move and uncommitted records are read again',
    needs: ['partitions'],
    async run(h) {
      const s = h.unique('ledger');
      await declare(h, { streams: { [s]: { partitions: 2 } } });
      const p = await connect(h, 'p');
      const keep: StreamRecord[] = [];
      const drop: StreamRecord[] = [];
      const member = (into: StreamRecord[], commit: boolean) => ({
        record(r: StreamRecord) {
          into.push(r);
          if (commit) r.commit();
        },
        assigned() {},
        revoked() {},
      });
      (await connect(h, 'keeper')).join(s, { group: 'g', sessionTimeoutMs: h.tick * 2 }, member(keep, true));
      const leaver = await connect(h, 'leaver');
      leaver.join(s, { group: 'g', sessionTimeoutMs: h.tick * 2 }, member(drop, false));
      await h.settle(h.tick * 2);
      p.append(s, message('a'), { partition: 0 }, () => {});
      p.append(s, message('b'), { partition: 1 }, () => {});
      await h.settle(h.tick * 2);
      assert.equal(keep.length + drop.length, 2);
      assert.equal(drop.length, 1, 'each member owns one partition');
      leaver.close('abrupt');
      await h.settle(h.tick * 8);
      assert.deepEqual(ids(keep).sort(), ['a', 'b'], 'the uncommitted record is read again by the member that is left');
    },
  },
  {
    name: 'a group resumes after its last committed offset',
    needs: ['partitions'],
    async run(h) {
      const s = h.unique('resume');
      await declare(h, { streams: { [s]: { partitions: 1 } } });
      const p = await connect(h, 'p');
      for (const id of ['r1', 'r2', 'r3']) p.append(s, message(id), {}, () => {});
      await h.settle(h.tick);
      const first = await connect(h, 'c1');
      const seen: string[] = [];
      first.join(s, { group: 'g', sessionTimeoutMs: h.tick }, {
        record(r) {
          seen.push(r.message.id);
          if (r.message.id === 'r1') r.commit();
        },
        assigned() {},
        revoked() {},
      });
      await h.settle(h.tick * 2);
      first.close('graceful');
      const again: string[] = [];
      (await connect(h, 'c2')).join(s, { group: 'g', sessionTimeoutMs: h.tick }, {
        record(r) {
          again.push(r.message.id);
          r.commit();
        },
        assigned() {},
        revoked() {},
      });
      await h.settle(h.tick * 4);
      assert.deepEqual(seen, ['r1', 'r2']);
      assert.deepEqual(again, ['r2', 'r3']);
    },
  },
  {
    name: 'a message over the size limit is refused with too-large',
    needs: ['pub-sub'],
    async run(h) {
      const t = h.unique('big');
      await declare(h, { topics: [t] });
      const conn = await connect(h, 'p');
      let error: BrokerError | undefined;
      conn.publish(t, message('huge', { size: h.broker.capabilities.maxMessageBytes + 1 }), (e) => (error = e));
      await h.settle(h.tick);
      assert.equal(error?.code, 'too-large');
    },
  },
  {
    name: 'publishing to an undeclared topic is an error, not a silent drop',
    needs: ['pub-sub'],
    async run(h) {
      const conn = await connect(h, 'p');
      let error: BrokerError | undefined;
      conn.publish(h.unique('nowhere'), message('m'), (e) => (error = e));
      await h.settle(h.tick);
      assert.equal(error?.code, 'unknown-destination');
    },
  },
];

/** Operations that need one capability, to check a broker without it refuses them. */
const probes: Partial<Record<Capability, (h: ContractHarness, conn: Connection) => (done: (e?: BrokerError) => void) => void>> = {
  priorities: (h, conn) => (done) => {
    const q = h.unique('probe');
    h.broker.declare({ queues: { [q]: {} } }, () => conn.send(q, message('p'), { priority: 5 }, done));
  },
  'delayed-delivery': (h, conn) => (done) => {
    const q = h.unique('probe');
    h.broker.declare({ queues: { [q]: {} } }, () => conn.send(q, message('p'), { delayMs: 10 }, done));
  },
  'delivery-limit': (h) => (done) => {
    const [dlq, q] = [h.unique('dlq'), h.unique('q')];
    h.broker.declare({ queues: { [dlq]: {}, [q]: { deadLetter: { queue: dlq, afterDeliveries: 2 } } } }, done);
  },
  partitions: (h) => (done) => h.broker.declare({ streams: { [h.unique('s')]: { partitions: 2 } } }, done),
  queues: (h) => (done) => h.broker.declare({ queues: { [h.unique('q')]: {} } }, done),
};

export function brokerContract(make: Make, capabilities: Broker['capabilities']): ContractCase[] {
  const cases: ContractCase[] = specs.map((spec) => {
    const missing = spec.needs.find((c) => !capabilities.supported.has(c));
    return {
      name: spec.name,
      needs: spec.needs,
      skip: missing ? `needs ${missing}: ${missingCapability(capabilities, missing)}` : undefined,
      run: () => withHarness(make, spec.run),
    };
  });
  const absent = capabilityNames.filter((c) => !capabilities.supported.has(c) && probes[c]);
  cases.push({
    name: 'operations needing a capability the broker lacks are refused as unsupported',
    needs: [],
    skip: absent.length === 0 ? 'the broker declares every capability the contract can probe' : undefined,
    run: () =>
      withHarness(make, async (h) => {
        const conn = await connect(h, `probe-${++seq}`);
        for (const capability of absent) {
          const result: { error?: BrokerError | undefined } = {};
          probes[capability]!(h, conn)((e) => (result.error = e));
          await h.settle(h.tick * 2);
          assert.equal(result.error?.code, 'unsupported', `${capability} should be refused`);
        }
      }),
  });
  return cases;
}

async function withHarness(make: Make, run: (h: ContractHarness) => Promise<void>): Promise<void> {
  const h = await make();
  try {
    await run(h);
  } finally {
    await h.dispose?.();
  }
}
