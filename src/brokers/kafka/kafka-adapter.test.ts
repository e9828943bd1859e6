/**
 * What can be tested of the Kafka adapter without a Kafka: URL handling, the message
 * mapping, and connect failures (a closed port, a silent peer) ending in a
 * BrokerConnectError that never shows the password. The broker itself is tested by
 * kafka-broker.contract.test.ts, only when KAFKA_BROKERS is set.
 */
import { createServer, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import type { Message } from '../broker.js';
import { BrokerConnectError, runPrefix } from '../real.js';
import { realAdapters } from '../adapters.js';
import { kafkaAdapter } from './adapter.js';
import { decode, encode } from './codec.js';
import { removeGroups, removeTopics } from './removal.js';
import { parseKafkaUrl } from './url.js';
import type { Admin } from 'kafkajs';

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

describe('kafka:// URLs', () => {
  it.each([
    ['kafka://h:9093', { brokers: ['h:9093'], tls: false }],
    ['kafka://a,b:1,10.0.0.1:2', { brokers: ['a:9092', 'b:1', '10.0.0.1:2'], tls: false }],
    ['kafka://k1:9092,k2:9092/?tls=1', { brokers: ['k1:9092', 'k2:9092'], tls: true }],
    ['kafka://u:p%40ss@h:9094?tls=true&sasl=scram-sha-512', { brokers: ['h:9094'], tls: true, sasl: { mechanism: 'scram-sha-512', username: 'u', password: 'p@ss' } }],
    ['kafka://u:pw@h', { brokers: ['h:9092'], tls: false, sasl: { mechanism: 'plain', username: 'u', password: 'pw' } }],
  ])('%s', (url, target) => expect(parseKafkaUrl(url)).toEqual(target));

  it.each([
    ['redis://h:6379', /not a kafka:\/\/ URL/],
    ['kafka://', /no broker host/],
    ['kafka://a,,b', /no broker host/],
    ['kafka://h:99999', /out of range/],
    ['kafka://h:x', /is not host\[:port\]/],
    ['kafka://u:secret@h?sasl=gssapi', /sasl=gssapi is not one of/],
  ])('refuses %s', (url, why) => {
    expect(() => parseKafkaUrl(url)).toThrow(UsageError);
    expect(() => parseKafkaUrl(url)).toThrow(why);
    try {
      parseKafkaUrl(url);
    } catch (e) {
      expect((e as Error).message).not.toContain('secret');
    }
  });
});

describe('message ↔ Kafka record', () => {
  it('round-trips every field; an explicit partition is kept', () => {
    const message: Message = { id: 'm1', key: 'acct-7', headers: { tag: 'v' }, body: { n: [1, 'x'] }, size: 42, timestamp: 12.5 };
    const out = encode(message, 2);
    expect(out.partition).toBe(2);
    expect(out.key).toBe('acct-7');
    const back = decode({
      key: Buffer.from(String(out.key)),
      value: Buffer.from(String(out.value)),
      headers: Object.fromEntries(Object.entries(out.headers ?? {}).map(([k, v]) => [k, Buffer.from(String(v))])),
      timestamp: '0',
      attributes: 0,
      offset: '0',
      size: undefined,
    });
    expect(back).toEqual(message);
  });

  it('a keyless message without a body stays so', () => {
    const out = encode({ id: 'e', headers: {}, size: 1, timestamp: 0 });
    expect(out.value).toBeNull();
    expect('key' in out).toBe(false);
  });
});

describe('kafka adapter without a broker', () => {
  it('is registered for kafka:// and loads lazily', async () => {
    const loaded = await realAdapters.kafka!();
    expect(loaded).toBe(kafkaAdapter);
    expect(loaded.schemes).toEqual(['kafka:']);
  });

  it('a closed port rejects with a BrokerConnectError at once, without the password', async () => {
    const port = await closedPort();
    const url = `kafka://svc:hunter2@127.0.0.1:${port}`;
    for (const attempt of [
      () => kafkaAdapter.open(url, { prefix: runPrefix('x'), connectTimeoutMs: 60_000 }),
      () => kafkaAdapter.doctor(url, { connectTimeoutMs: 60_000 }),
      () => kafkaAdapter.clean(url, { prefix: runPrefix('x'), connectTimeoutMs: 60_000 }),
    ]) {
      const error = await attempt().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerConnectError);
      expect((error as Error).message).toContain(`kafka://svc:***@127.0.0.1:${port}`);
      expect((error as Error).message).not.toContain('hunter2');
    }
  }, 20_000);

  it('a peer that accepts and never answers ends at the connect timeout', async () => {
    const held: Socket[] = [];
    const silent = createServer((s) => held.push(s));
    await new Promise<void>((r) => silent.listen(0, '127.0.0.1', r));
    const { port } = silent.address() as { port: number };
    try {
      const error = await kafkaAdapter.open(`kafka://127.0.0.1:${port}`, { prefix: runPrefix('x'), connectTimeoutMs: 300 }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(BrokerConnectError);
      expect((error as Error).message).toMatch(/cannot connect to Kafka at kafka:\/\/127\.0\.0\.1:\d+: /);
    } finally {
      for (const s of held) s.destroy();
      await new Promise((r) => silent.close(r));
    }
  }, 10_000);

  it('clean() refuses a prefix outside patterns. before connecting', async () => {
    await expect(kafkaAdapter.clean('kafka://127.0.0.1:1', { prefix: 'orders.', connectTimeoutMs: 1000 })).rejects.toThrow(UsageError);
  });

  it('a bad URL is a usage error, not a connect error', async () => {
    await expect(kafkaAdapter.open('kafka://h:x', { prefix: runPrefix('x'), connectTimeoutMs: 1000 })).rejects.toThrow(UsageError);
  });
});

describe('removing by name', () => {
  function admin(groups: string[], topics: string[], failing: string[] = []): { admin: Admin; deleted: string[] } {
    const deleted: string[] = [];
    const fake = {
      listGroups: async () => ({ groups: groups.map((groupId) => ({ groupId, protocolType: 'consumer' })) }),
      listTopics: async () => topics,
      deleteGroups: async (ids: string[]) => {
        deleted.push(...ids.filter((g) => !failing.includes(g)));
        if (failing.length > 0) throw Object.assign(new Error('Error in DeleteGroups'), { groups: failing.map((groupId) => ({ groupId, errorCode: 68 })) });
        return ids.map((groupId) => ({ groupId, errorCode: 0 }));
      },
      deleteTopics: async ({ topics: ts }: { topics: string[] }) => void deleted.push(...ts),
    };
    return { admin: fake as unknown as Admin, deleted };
  }

  it('reports the groups and topics that existed and went; a group with members stays', async () => {
    const { admin: a, deleted } = admin(['p.a@g', 'p.b@g', 'other'], ['p.a', 'other']);
    expect(await removeGroups(a, ['p.a@g', 'p.b@g', 'p.gone@g'])).toEqual(['group p.a@g', 'group p.b@g']);
    expect(await removeTopics(a, ['p.a', 'p.never'])).toEqual(['topic p.a']);
    expect(deleted).toEqual(['p.a@g', 'p.b@g', 'p.a']);
    const busy = admin(['p.a@g', 'p.b@g'], [], ['p.b@g']);
    expect(await removeGroups(busy.admin, ['p.a@g', 'p.b@g'])).toEqual(['group p.a@g']);
  });
});
