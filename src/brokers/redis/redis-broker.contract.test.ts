/**
 * The broker contract against a real Redis, plus what only a real Redis can show: a
 * consumer connection that dies without a word, clean-up that touches nothing outside its
 * own prefix, and a connect timeout that neither hangs nor prints the password. Skips with
 * a message when no Redis answers, unless PATTERNS_REQUIRE_BROKERS is set (CI).
 */
import { randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBroker } from '../../testing/brokers.js';
import type { Connection, Delivery } from '../broker.js';
import { brokerProfiles } from '../capabilities.js';
import { brokerContract, type ContractHarness } from '../contract.js';
import { BrokerConnectError, runPrefix, type RealBroker } from '../real.js';
import { redisAdapter, type RedisOpenOptions } from './adapter.js';
import { newClient } from './client.js';

const url = await testBroker('redis', 'redis-broker.contract.test.ts');
const run = `test-${process.pid}-${randomBytes(3).toString('hex')}`;
const prefix = runPrefix(run);
const foreign = `foreign.${run}`;
const TICK = 200;
let admin: Redis;
let cases = 0;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function keysUnder(p: string): Promise<string[]> {
  const found: string[] = [];
  let cursor = '0';
  do {
    const [next, keys] = await admin.scan(cursor, 'MATCH', `${p}*`, 'COUNT', 1000);
    cursor = next;
    found.push(...keys);
  } while (cursor !== '0');
  return found;
}

async function open(casePrefix: string, extra: Partial<RedisOpenOptions> = {}): Promise<RealBroker> {
  return redisAdapter.open(url!, { prefix: casePrefix, connectTimeoutMs: 2000, sessionTimeoutMs: 600, ...extra } as RedisOpenOptions);
}

/** Each case gets a prefix of its own under the run's, and must leave no key behind. */
async function harness(): Promise<ContractHarness> {
  const casePrefix = `${prefix}c${++cases}.`;
  const broker = await open(casePrefix);
  let n = 0;
  return {
    broker,
    tick: TICK,
    settle: sleep,
    unique: (base) => `${base}-${++n}`,
    async dispose() {
      await broker.dispose();
      expect(await keysUnder(casePrefix)).toEqual([]);
    },
  };
}

function connect(broker: RealBroker, client: string): Promise<Connection> {
  return new Promise((resolve, reject) => broker.connect(client, { closed() {} }, (e, c) => (c ? resolve(c) : reject(new Error(e?.detail)))));
}

describe.skipIf(!url)('redis adapter', { timeout: 30_000 }, () => {
  beforeAll(async () => {
    admin = new Redis(url!);
    await admin.set(foreign, 'not ours');
  });

  afterAll(async () => {
    if (!admin) return;
    // Nothing left under this run's prefix, and the key that was there before is untouched.
    expect(await keysUnder(prefix)).toEqual([]);
    expect(await admin.get(foreign)).toBe('not ours');
    await admin.del(foreign);
    await admin.quit();
  });

  describe('broker contract', () => {
    for (const c of brokerContract(harness, brokerProfiles.redis.capabilities)) {
      it.skipIf(c.skip !== undefined)(c.skip ? `${c.name} (skipped: ${c.skip.split(';')[0]})` : c.name, c.run);
    }
  });

  it('redelivers what a consumer held when its connection dies, with the delivery count from Redis', async () => {
    const broker = await open(`${prefix}crash.`);
    try {
      await new Promise<void>((resolve, reject) => broker.declare({ queues: { jobs: {} } }, (e) => (e ? reject(new Error(e.detail)) : resolve())));
      const producer = await connect(broker, 'producer');
      const doomed = await connect(broker, 'doomed');
      const held: Delivery[] = [];
      doomed.consume('jobs', { prefetch: 10 }, { delivery: (d) => held.push(d) });
      for (const id of ['a', 'b', 'c']) producer.send('jobs', { id, headers: {}, size: 10, timestamp: 0 }, {}, () => {});
      await waitFor(() => held.length === 3);
      held[0]!.ack();
      await sleep(TICK);
      doomed.close('abrupt');
      const heir = await connect(broker, 'heir');
      const got: Delivery[] = [];
      heir.consume('jobs', { prefetch: 10 }, { delivery: (d) => got.push(d) });
      await waitFor(() => got.length === 2);
      expect(got.map((d) => d.message.id).sort()).toEqual(['b', 'c']);
      expect(got.map((d) => d.deliveryCount)).toEqual([2, 2]);
      for (const d of got) d.ack();
      await sleep(TICK * 4);
      expect(got).toHaveLength(2);
      // The dead consumer, holding nothing now, is removed from the group.
      const consumers = (await admin.call('XINFO', 'CONSUMERS', `${prefix}crash.jobs`, 'g')) as unknown[][];
      expect(consumers.map((c) => String(c[1]))).toEqual([expect.stringMatching(/^heir\./)]);
    } finally {
      await broker.dispose();
    }
  });

  it('gives back what a consumer held at once when its connection closes gracefully; a cancelled consumer leaves the connection open', async () => {
    const broker = await open(`${prefix}graceful.`, { sessionTimeoutMs: 60_000 });
    try {
      await new Promise<void>((resolve, reject) => broker.declare({ queues: { jobs: {} } }, (e) => (e ? reject(new Error(e.detail)) : resolve())));
      let closed = false;
      const conn = await new Promise<Connection>((resolve) => broker.connect('worker', { closed: () => (closed = true) }, (_, c) => resolve(c!)));
      const first: Delivery[] = [];
      const sub = conn.consume('jobs', { prefetch: 10 }, { delivery: (d) => first.push(d) });
      conn.send('jobs', { id: 'a', headers: {}, size: 10, timestamp: 0 }, {}, () => {});
      await waitFor(() => first.length === 1);
      sub.cancel();
      await sleep(TICK);
      expect(closed).toBe(false);
      expect(conn.open).toBe(true);
      conn.close('graceful');
      // The session timeout is a minute: only the give-back on close can explain a quick redelivery.
      const heir = await connect(broker, 'heir');
      const got: Delivery[] = [];
      heir.consume('jobs', { prefetch: 10 }, { delivery: (d) => got.push(d) });
      await waitFor(() => got.length === 1);
      expect(got.map((d) => [d.message.id, d.deliveryCount])).toEqual([['a', 2]]);
    } finally {
      await broker.dispose();
    }
  });

  it('numbers each partition’s records 0, 1, 2… and refuses an undeclared stream', async () => {
    const broker = await open(`${prefix}offsets.`);
    try {
      await new Promise<void>((resolve, reject) => broker.declare({ streams: { log: { partitions: 2 } } }, (e) => (e ? reject(new Error(e.detail)) : resolve())));
      const conn = await connect(broker, 'producer');
      const append = (stream: string, partition: number) =>
        new Promise<unknown>((resolve) => conn.append(stream, { id: 'r', headers: {}, size: 1, timestamp: 0 }, { partition }, (e, at) => resolve(e ?? at)));
      expect([await append('log', 1), await append('log', 1), await append('log', 0)]).toEqual([
        { partition: 1, offset: 0 },
        { partition: 1, offset: 1 },
        { partition: 0, offset: 0 },
      ]);
      expect(await append('nowhere', 0)).toMatchObject({ code: 'unknown-destination' });
    } finally {
      await broker.dispose();
    }
  });

  it('reports a lost connection through closed(), and later operations as unavailable', async () => {
    const broker = await open(`${prefix}lost.`, { clientName: `lost-${run}` });
    try {
      await new Promise<void>((resolve) => broker.declare({ topics: ['t'] }, () => resolve()));
      let reason: string | undefined;
      const conn = await new Promise<Connection>((resolve) => broker.connect('victim', { closed: (r) => (reason = r) }, (_, c) => resolve(c!)));
      // Redis drops the connections itself, as a restart or a proxy would.
      const clients = (await admin.client('LIST')) as string;
      const ids = clients.split('\n').filter((l) => l.includes(`name=lost-${run}.victim`)).map((l) => /id=(\d+)/.exec(l)![1]!);
      expect(ids.length).toBeGreaterThan(0);
      for (const id of ids) await admin.client('KILL', 'ID', id);
      await waitFor(() => reason !== undefined);
      expect(reason).toMatch(/lost/);
      expect(conn.open).toBe(false);
      const error = await new Promise((resolve) => conn.publish('t', { id: 'm', headers: {}, size: 1, timestamp: 0 }, resolve));
      expect(error).toMatchObject({ code: 'unavailable' });
      // The broker's own client goes too (as in a restart): dispose connects again to clean up.
      const brokerOwn = clients.split('\n').filter((l) => l.includes(`name=lost-${run} `)).map((l) => /id=(\d+)/.exec(l)![1]!);
      expect(brokerOwn).toHaveLength(1);
      await admin.client('KILL', 'ID', brokerOwn[0]!);
    } finally {
      await broker.dispose();
    }
    expect(await keysUnder(`${prefix}lost.`)).toEqual([]);
  });

  it('clean() removes only keys under its prefix', async () => {
    const mine = `${prefix}clean.`;
    const neighbour = `${prefix}cleanx.`;
    await admin.set(`${mine}a`, '1');
    await admin.xadd(`${mine}s*[x]`, '*', 'm', '1');
    await admin.set(`${neighbour}a`, '1');
    const report = await redisAdapter.clean(url!, { prefix: mine, connectTimeoutMs: 2000 });
    expect(report.removed.sort()).toEqual([`stream ${mine}s*[x]`, `string ${mine}a`]);
    expect(await admin.get(`${neighbour}a`)).toBe('1');
    await redisAdapter.clean(url!, { prefix: neighbour, connectTimeoutMs: 2000 });
    await expect(redisAdapter.clean(url!, { prefix: 'other.', connectTimeoutMs: 2000 })).rejects.toThrow(/refusing/);
  });

  it('doctor reports the version and that streams can be created', async () => {
    const report = await redisAdapter.doctor(url!, { connectTimeoutMs: 2000 });
    expect(report.version).toMatch(/^\d+\.\d+/);
    expect(report.canCreate).toBe(true);
  });
});

describe('redis adapter without a server', () => {
  it('passes rediss:// through to ioredis as TLS, and redis:// as plain TCP', () => {
    const tls = newClient('rediss://user:pw@example.invalid:6380/2', { connectTimeoutMs: 1000 });
    const plain = newClient('redis://example.invalid:6379', { connectTimeoutMs: 1000 });
    expect(tls.options.tls).toBeTruthy();
    expect([tls.options.host, tls.options.port, tls.options.db]).toEqual(['example.invalid', 6380, 2]);
    expect(plain.options.tls).toBeFalsy();
    tls.disconnect();
    plain.disconnect();
  });


  it('rejects a connect to a closed port with BrokerConnectError, without the password', { timeout: 5000 }, async () => {
    const attempt = redisAdapter.open('redis://user:s3cret-pass@127.0.0.1:1', { prefix: runPrefix('nowhere'), connectTimeoutMs: 1000 });
    await expect(attempt).rejects.toBeInstanceOf(BrokerConnectError);
    const error = (await attempt.catch((e: unknown) => e)) as BrokerConnectError;
    expect(error.message).toContain('redis://user:***@127.0.0.1:1');
    expect(`${error.message} ${String(error.cause)}`).not.toContain('s3cret-pass');
  });
});

async function waitFor(condition: () => boolean, ms = TICK * 15): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > ms) throw new Error('timed out waiting');
    await sleep(20);
  }
}
