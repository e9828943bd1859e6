/**
 * What `RealAdapter.inspect` reads on a real Redis and RabbitMQ: ready and unacked counts,
 * the contents of a dead-letter queue with where each message came from, and that looking
 * consumes nothing. Live runs rely on it for `broker.depth` and dead-letter accounting.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, describe, expect, it } from 'vitest';
import { testBroker } from '../testing/brokers.js';
import type { Connection, Delivery, Message } from './broker.js';
import { runPrefix, type BrokerInspector, type RealAdapter, type RealBroker } from './real.js';

const urls = {
  redis: await testBroker('redis', 'inspector.test.ts'),
  rabbitmq: await testBroker('rabbitmq', 'inspector.test.ts'),
};
const adapters: Record<keyof typeof urls, () => Promise<RealAdapter>> = {
  redis: () => import('./redis/adapter.js').then((m) => m.redisAdapter),
  rabbitmq: () => import('./rabbitmq/adapter.js').then((m) => m.rabbitmqAdapter),
};

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));
const message = (id: string): Message => ({ id, headers: {}, body: { id }, size: 10, timestamp: 0 });

async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, ms = 5000): Promise<T> {
  const until = Date.now() + ms;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > until) return value;
    await sleep(50);
  }
}

describe.each(Object.keys(urls) as (keyof typeof urls)[])('%s inspector', (name) => {
  const url = urls[name];
  const prefix = `${runPrefix(`test-inspect-${process.pid}-${randomBytes(3).toString('hex')}`)}b.`;
  let broker: RealBroker | undefined;
  let inspector: BrokerInspector | undefined;
  let connection: Connection | undefined;

  afterAll(async () => {
    connection?.close();
    await inspector?.close();
    await broker?.dispose();
  });

  it.skipIf(!url)('reads depths and dead letters without consuming them', { timeout: 30_000 }, async () => {
    const adapter = await adapters[name]();
    broker = await adapter.open(url!, { prefix, connectTimeoutMs: 3000 });
    await new Promise<void>((resolve, reject) =>
      broker!.declare({ queues: { work: { deadLetter: { queue: 'dead' } }, dead: {} } }, (e) => (e ? reject(new Error(e.detail)) : resolve())),
    );
    connection = await new Promise<Connection>((resolve, reject) =>
      broker!.connect('tester', { closed: () => {} }, (e, c) => (e || !c ? reject(new Error(e?.detail)) : resolve(c))),
    );
    for (let i = 1; i <= 5; i++) await new Promise<void>((resolve, reject) => connection!.send('work', message(`m-${i}`), {}, (e) => (e ? reject(new Error(e.detail)) : resolve())));
    inspector = await adapter.inspect!(url!, { prefix, connectTimeoutMs: 3000 });

    expect(await inspector.depths(['work', 'dead', 'nowhere'])).toEqual([
      { queue: 'work', ready: 5, ...(name === 'redis' ? { unacked: 0 } : {}) },
      { queue: 'dead', ready: 0, ...(name === 'redis' ? { unacked: 0 } : {}) },
      { queue: 'nowhere', ready: 0, ...(name === 'redis' ? { unacked: 0 } : {}) },
    ]);

    // Two out and unacked; the first of them refused, so it goes to the dead-letter queue.
    const held: Delivery[] = [];
    connection.consume('work', { prefetch: 2 }, { delivery: (d) => held.push(d) });
    await eventually(async () => held.length, (n) => n === 2);
    const work = await eventually(
      () => inspector!.depths(['work']),
      ([d]) => d!.ready === 3,
    );
    expect(work[0]).toEqual({ queue: 'work', ready: 3, ...(name === 'redis' ? { unacked: 2 } : {}) });
    const refused = held[0]!.message.id;
    held[0]!.reject();
    const [dead] = await eventually(
      () => inspector!.depths(['dead']),
      ([d]) => d!.ready === 1,
    );
    expect(dead!.ready).toBe(1);

    expect(await inspector.contents('dead', 100)).toEqual([{ id: refused, from: 'work' }]);
    // Looking consumed nothing.
    expect(await inspector.contents('dead', 100)).toEqual([{ id: refused, from: 'work' }]);
    // (RabbitMQ puts back what a closed channel held through its log: a moment later.)
    expect((await eventually(() => inspector!.depths(['dead']), ([d]) => d!.ready === 1))[0]!.ready).toBe(1);
    expect(await inspector.contents('nowhere', 100)).toEqual([]);
  });
});

describe.skipIf(!urls.redis)('redis inspector: stream lag', () => {
  const prefix = `${runPrefix(`test-inspect-lag-${process.pid}-${randomBytes(3).toString('hex')}`)}b.`;
  let broker: RealBroker | undefined;
  let inspector: BrokerInspector | undefined;
  let connection: Connection | undefined;

  afterAll(async () => {
    connection?.close();
    await inspector?.close();
    await broker?.dispose();
  });

  it('is what was appended to each partition less what the group committed', { timeout: 30_000 }, async () => {
    const adapter = await adapters.redis();
    broker = await adapter.open(urls.redis!, { prefix, connectTimeoutMs: 3000 });
    await new Promise<void>((resolve, reject) => broker!.declare({ streams: { ledger: { partitions: 2 } } }, (e) => (e ? reject(new Error(e.detail)) : resolve())));
    connection = await new Promise<Connection>((resolve, reject) =>
      broker!.connect('tester', { closed: () => {} }, (e, c) => (e || !c ? reject(new Error(e?.detail)) : resolve(c))),
    );
    const append = (id: string, partition: number) =>
      new Promise<void>((resolve, reject) => connection!.append('ledger', message(id), { partition }, (e) => (e ? reject(new Error(e.detail)) : resolve())));
    for (let i = 0; i < 4; i++) await append(`a-${i}`, 0);
    await append('b-0', 1);
    inspector = await adapter.inspect!(urls.redis!, { prefix, connectTimeoutMs: 3000 });
    expect(await inspector.lags!('ledger', 2, 'readers')).toEqual([4, 1]);

    // The group commits the first two records of partition 0 and leaves the rest.
    let committed = 0;
    connection.join('ledger', { group: 'readers', sessionTimeoutMs: 2000 }, {
      assigned: () => {},
      revoked: () => {},
      record: (r) => {
        if (r.partition === 0 && r.offset < 2) {
          r.commit();
          committed++;
        }
      },
    });
    const lags = await eventually(
      () => inspector!.lags!('ledger', 2, 'readers'),
      (l) => l[0] === 2,
    );
    expect(committed).toBe(2);
    expect(lags).toEqual([2, 1]);
  });
});
