/**
 * What the RabbitMQ adapter does beyond the contract: redelivery after a crash, clean-up
 * that removes its own objects and nothing else, connection loss, and connect failures
 * that end quickly and never show the password. Against the real RabbitMQ (skipped, with a
 * message, when it is not running and PATTERNS_REQUIRE_BROKERS is unset).
 */
import amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { createServer, connect as tcpConnect, type Server, type Socket } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { testBroker } from '../../testing/brokers.js';
import type { BrokerError, Connection, Delivery, Message } from '../broker.js';
import { BrokerConnectError, runPrefix, type RealBroker } from '../real.js';
import { rabbitmqAdapter } from './adapter.js';
import type { RabbitBroker } from './rabbit-broker.js';

const url = await testBroker('rabbitmq', 'rabbitmq-adapter.test.ts');
const run = randomBytes(3).toString('hex');
const tick = 150;
let seq = 0;

const open = (u = url!) => rabbitmqAdapter.open(u, { prefix: runPrefix(`test-${run}-${++seq}`), connectTimeoutMs: 5000 });
const msg = (id: string): Message => ({ id, headers: { tag: 'x' }, body: { n: 1 }, size: 10, timestamp: 5 });

function connect(broker: RealBroker, client: string, closed: (reason: string) => void = () => {}): Promise<Connection> {
  return new Promise((resolve, reject) => broker.connect(client, { closed }, (e, c) => (c ? resolve(c) : reject(new Error(e?.detail)))));
}
function declare(broker: RealBroker, topology: Parameters<RealBroker['declare']>[0]): Promise<void> {
  return new Promise((resolve, reject) => broker.declare(topology, (e) => (e ? reject(new Error(e.detail)) : resolve())));
}
async function exists(kind: 'queue' | 'exchange', name: string): Promise<boolean> {
  const model = await amqp.connect(url!);
  try {
    const ch = await model.createChannel();
    ch.on('error', () => {});
    await (kind === 'queue' ? ch.checkQueue(name) : ch.checkExchange(name));
    return true;
  } catch {
    return false;
  } finally {
    await model.close().catch(() => {});
  }
}
async function rawDelete(kind: 'queue' | 'exchange', name: string): Promise<void> {
  const model = await amqp.connect(url!);
  const ch = await model.createChannel();
  await (kind === 'queue' ? ch.deleteQueue(name) : ch.deleteExchange(name));
  await model.close();
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** A TCP hop in front of RabbitMQ that the test can cut, as a network failure would. */
async function proxy(): Promise<{ url: string; cut(): void; close(): Promise<void> }> {
  const target = new URL(url!);
  const sockets = new Set<Socket>();
  const server: Server = createServer((client) => {
    const upstream = tcpConnect(Number(target.port || 5672), target.hostname);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('error', () => {});
      s.on('close', () => sockets.delete(s));
    }
    client.pipe(upstream).pipe(client);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  const proxied = new URL(url!);
  proxied.host = `127.0.0.1:${port}`;
  return {
    url: proxied.toString(),
    cut: () => {
      for (const s of sockets) s.destroy();
    },
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c().catch(() => {});
});

describe.skipIf(url === undefined)('rabbitmq adapter', () => {
  it('redelivers what a crashed consumer held, saying it is a redelivery, with the message intact', async () => {
    const broker = await open();
    cleanups.push(() => broker.dispose());
    await declare(broker, { queues: { jobs: {} } });
    const doomed = await connect(broker, 'doomed');
    const held: Delivery[] = [];
    doomed.consume('jobs', { prefetch: 10 }, { delivery: (d) => held.push(d) });
    const producer = await connect(broker, 'p');
    for (const id of ['a', 'b']) producer.send('jobs', msg(id), {}, () => {});
    await sleep(tick * 2);
    expect(held.map((d) => [d.message.id, d.deliveryCount])).toEqual([['a', 1], ['b', 1]]);
    doomed.close('abrupt');
    held[0]!.ack(); // after the crash: never reaches the broker
    const again: Delivery[] = [];
    (await connect(broker, 'heir')).consume('jobs', { prefetch: 10 }, { delivery: (d) => again.push(d) });
    await sleep(tick * 3);
    expect(again.map((d) => [d.message.id, d.deliveryCount])).toEqual([['a', 2], ['b', 2]]);
    expect(again[0]!.message).toEqual({ ...msg('a'), key: undefined });
    expect(again[0]!.source).toBe('jobs');
  });

  it('dispose() removes the queues and exchanges it created and nothing else', async () => {
    const foreignPrefix = runPrefix(`test-${run}-foreign`);
    const foreign = [`${foreignPrefix}jobs`, `not-patterns-${run}`];
    const model = await amqp.connect(url!);
    const ch = await model.createChannel();
    for (const q of foreign) await ch.assertQueue(q, { durable: false });
    await model.close();
    cleanups.push(async () => {
      for (const q of foreign) await rawDelete('queue', q);
    });

    const broker = await open();
    await declare(broker, { queues: { jobs: {}, 'jobs-dlq': {} }, topics: ['events'] });
    const conn = await connect(broker, 'c');
    conn.subscribe('events', { name: 'mailer', durable: true, prefetch: 1 }, { delivery() {} });
    conn.subscribe('events', { name: 'audit', durable: false, prefetch: 1 }, { delivery() {} });
    await sleep(tick * 2);
    const p = broker.prefix;
    const report = await broker.dispose();
    expect(report.removed.sort()).toEqual([`exchange ${p}events`, `queue ${p}events@mailer`, `queue ${p}jobs`, `queue ${p}jobs-dlq`].sort());
    for (const name of [`${p}jobs`, `${p}jobs-dlq`, `${p}events@mailer`]) expect(await exists('queue', name)).toBe(false);
    expect(await exists('exchange', `${p}events`)).toBe(false);
    for (const q of foreign) expect(await exists('queue', q)).toBe(true);
    expect((await broker.dispose()).removed).toEqual([]);
  });

  it('clean() removes the names of a run’s manifest under its prefix, and refuses any other', async () => {
    const broker = await open();
    await declare(broker, { queues: { left: {} }, topics: ['over'] });
    const manifest = (broker as RabbitBroker).created();
    const prefix = broker.prefix;
    expect(await exists('queue', `${prefix}left`)).toBe(true);
    // As after a killed run: another process cleans by the manifest the run left.
    const report = await rabbitmqAdapter.clean(url!, { prefix, connectTimeoutMs: 5000, names: [...manifest, `${prefix}never-made`] });
    expect(report.removed.sort()).toEqual([`exchange ${prefix}over`, `queue ${prefix}left`]);
    expect(await exists('queue', `${prefix}left`)).toBe(false);
    await expect(rabbitmqAdapter.clean(url!, { prefix, connectTimeoutMs: 5000, names: ['queue orders'] })).rejects.toThrow(UsageError);
    await expect(rabbitmqAdapter.clean(url!, { prefix: 'orders.', connectTimeoutMs: 5000, names: [] })).rejects.toThrow(UsageError);
    expect((await broker.dispose()).removed).toEqual([]);
  });

  it('a lost connection reports closed(reason) once, and later sends fail as unavailable', async () => {
    const hop = await proxy();
    cleanups.push(() => hop.close());
    const broker = await open();
    cleanups.push(() => broker.dispose());
    await declare(broker, { queues: { q: {} } });
    const via = await rabbitmqAdapter.open(hop.url, { prefix: broker.prefix, connectTimeoutMs: 5000 });
    cleanups.push(() => via.dispose());
    const reasons: string[] = [];
    const conn = await connect(via, 'c', (r) => reasons.push(r));
    hop.cut();
    await sleep(tick * 2);
    expect(reasons).toHaveLength(1);
    expect(conn.open).toBe(false);
    let error: BrokerError | undefined;
    conn.send('q', msg('m'), {}, (e) => (error = e));
    await sleep(tick);
    expect(error?.code).toBe('unavailable');
  });

  it('doctor reports the server version and that it can create and remove a queue', async () => {
    const report = await rabbitmqAdapter.doctor(url!, { connectTimeoutMs: 5000 });
    expect(report.version).toMatch(/^\d+\.\d+/);
    expect(report.canCreate).toBe(true);
  });

  it('a wrong password is a BrokerConnectError that does not show it', async () => {
    const bad = new URL(url!);
    bad.password = 'wr0ng-s3cret';
    const error = await rabbitmqAdapter.open(bad.toString(), { prefix: runPrefix('x'), connectTimeoutMs: 5000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerConnectError);
    expect(String((error as Error).message)).not.toContain('wr0ng-s3cret');
    expect(String((error as Error).message)).toContain('***');
  });
});

describe('rabbitmq adapter without a broker', () => {
  it('a closed port rejects with a BrokerConnectError at once, without the password', async () => {
    const port = await closedPort();
    // A minute of allowance: only an immediate refusal fits in the test's time limit.
    const error = await rabbitmqAdapter.open(`amqp://guest:hunter2@127.0.0.1:${port}`, { prefix: runPrefix('x'), connectTimeoutMs: 60_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokerConnectError);
    expect((error as Error).message).toContain(`amqp://guest:***@127.0.0.1:${port}`);
    expect((error as Error).message).not.toContain('hunter2');
  }, 10_000);

  it('a peer that accepts and never answers ends at the connect timeout', async () => {
    const silent = createServer(() => {});
    const held: Socket[] = [];
    silent.on('connection', (s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const error = await rabbitmqAdapter.open(`amqps://u:pw@127.0.0.1:${port}`, { prefix: runPrefix('x'), connectTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerConnectError);
      expect((error as Error).message).toMatch(/amqps:\/\/u:\*\*\*@127\.0\.0\.1:\d+: .*(timed? ?out|ETIMEDOUT|no answer)/i);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 10_000);

  it('clean() with no names does not even connect (RabbitMQ cannot list queues)', async () => {
    const port = await closedPort();
    expect(await rabbitmqAdapter.clean(`amqp://127.0.0.1:${port}`, { prefix: runPrefix('r1'), connectTimeoutMs: 1000 })).toEqual({ removed: [] });
  });
});
