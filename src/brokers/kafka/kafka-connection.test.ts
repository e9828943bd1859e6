/**
 * The adapter's own logic around kafkajs, against a stand-in for kafkajs's consumer (no
 * Kafka here): one record in flight per partition until it is committed, commits of a
 * revoked generation ignored, a durable subscription's ack/nack/reject, and an abrupt close
 * that cuts the sockets and commits nothing.
 */
import type { Kafka, KafkaMessage, Producer } from 'kafkajs';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { Delivery, StreamRecord } from '../broker.js';
import type { KafkaClient } from './client.js';
import { encode } from './codec.js';
import { KafkaConnection, type KafkaSide } from './connection.js';

const events = { GROUP_JOIN: 'consumer.group_join', REBALANCING: 'consumer.rebalancing', CRASH: 'consumer.crash' } as const;

class FakeConsumer {
  readonly events = events;
  readonly listeners = new Map<string, ((e: { payload: unknown }) => void)[]>();
  eachMessage: ((p: unknown) => Promise<void>) | undefined;
  readonly commits: string[] = [];
  heartbeatError: Error | undefined;
  disconnected = false;
  constructor(readonly config: { groupId: string }) {}
  on(event: string, fn: (e: { payload: unknown }) => void) {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), fn]);
    return () => {};
  }
  emit(event: string, payload: unknown) {
    for (const fn of this.listeners.get(event) ?? []) fn({ payload });
  }
  join(topic: string, partitions: number[]) {
    this.emit(events.GROUP_JOIN, { memberAssignment: { [topic]: partitions } });
  }
  async connect() {}
  async subscribe() {}
  async run(config: { eachMessage: (p: unknown) => Promise<void> }) {
    this.eachMessage = config.eachMessage;
  }
  async commitOffsets(list: { partition: number; offset: string }[]) {
    for (const c of list) this.commits.push(`${c.partition}@${c.offset}`);
  }
  async disconnect() {
    this.disconnected = true;
  }
  /** kafkajs hands over a record and waits for the handler. */
  deliver(partition: number, offset: number, id: string): Promise<void> {
    const out = encode({ id, headers: {}, size: 1, timestamp: 0 });
    const message = { key: null, value: null, headers: out.headers, offset: String(offset), timestamp: '0', attributes: 0 } as unknown as KafkaMessage;
    return this.eachMessage!({
      topic: 'p.t',
      partition,
      message,
      heartbeat: async () => {
        if (this.heartbeatError) throw this.heartbeatError;
      },
      pause: () => () => {},
    });
  }
}

function setup() {
  const consumers: FakeConsumer[] = [];
  let killed = false;
  const client: KafkaClient = {
    kafka: { consumer: (c: { groupId: string }) => consumers[consumers.push(new FakeConsumer(c)) - 1] } as unknown as Kafka,
    kill: () => (killed = true),
  };
  const side: KafkaSide = {
    prefix: 'p.',
    maxMessageBytes: 1024,
    known: () => true,
    exists: async () => true,
    settingUp: 0,
    setupsDone: async () => {},
    track: () => {},
    usedGroup: () => {},
    startAtEnd: async () => {},
    gone: () => {},
    describe: (e) => String(e instanceof Error ? e.message : e),
  };
  const producer = { disconnect: async () => {} } as unknown as Producer;
  const closed: string[] = [];
  const conn = new KafkaConnection(client, producer, side, 'c', { closed: (r) => closed.push(r) });
  return { conn, consumers, closed, killed: () => killed };
}

const tick = () => sleep(5);

describe('kafka connection (kafkajs stand-in)', () => {
  it('a stream member holds each partition at its record until commit, and commits offset + 1', async () => {
    const { conn, consumers } = setup();
    const seen: StreamRecord[] = [];
    const assigned: number[][] = [];
    conn.join('t', { group: 'g', sessionTimeoutMs: 1000 }, { record: (r) => seen.push(r), assigned: (ps) => assigned.push([...ps]), revoked() {} });
    await tick();
    const c = consumers[0]!;
    expect(c.config.groupId).toBe('p.t@g');
    c.join('p.t', [0, 1]);
    await tick();
    expect(assigned).toEqual([[0, 1]]);
    let finished = false;
    const first = c.deliver(0, 7, 'a').then(() => (finished = true));
    await tick();
    expect(seen.map((r) => [r.message.id, r.partition, r.offset])).toEqual([['a', 0, 7]]);
    expect(finished).toBe(false);
    seen[0]!.commit();
    await first;
    expect(c.commits).toEqual(['0@8']);
  });

  it('a rebalance releases records in flight uncommitted; their late commits are ignored', async () => {
    const { conn, consumers } = setup();
    const seen: StreamRecord[] = [];
    const log: string[] = [];
    conn.join('t', { group: 'g', sessionTimeoutMs: 1000 }, {
      record: (r) => seen.push(r),
      assigned: (ps) => log.push(`assigned ${ps.join(',')}`),
      revoked: (ps) => log.push(`revoked ${ps.join(',')}`),
    });
    await tick();
    const c = consumers[0]!;
    c.join('p.t', [0, 1]);
    const inFlight = c.deliver(1, 3, 'b');
    await tick();
    c.emit(events.REBALANCING, {});
    await expect(inFlight).rejects.toMatchObject({ type: 'REBALANCE_IN_PROGRESS' });
    c.join('p.t', [0]);
    seen[0]!.commit();
    await tick();
    expect(c.commits).toEqual([]);
    expect(log).toEqual(['assigned 0,1', 'revoked 0,1', 'assigned 0']);
  });

  it('a failed heartbeat while waiting (the group is rebalancing) ends the wait', async () => {
    const { conn, consumers } = setup();
    conn.join('t', { group: 'g', sessionTimeoutMs: 1000 }, { record() {}, assigned() {}, revoked() {} });
    await tick();
    const c = consumers[0]!;
    c.join('p.t', [0]);
    c.heartbeatError = Object.assign(new Error('rebalancing'), { type: 'REBALANCE_IN_PROGRESS' });
    await expect(c.deliver(0, 0, 'x')).rejects.toThrow('rebalancing');
  });

  it('a durable subscription: nack hands the record over again as a redelivery; ack and reject commit past it', async () => {
    const { conn, consumers } = setup();
    const got: Delivery[] = [];
    conn.subscribe('t', { name: 'mailer', durable: true, prefetch: 10 }, { delivery: (d) => got.push(d) });
    await tick();
    const c = consumers[0]!;
    expect(c.config.groupId).toBe('p.t@mailer');
    c.join('p.t', [0]);
    const first = c.deliver(0, 0, 'm0');
    await tick();
    got[0]!.nack(true);
    await tick();
    expect(got.map((d) => [d.message.id, d.deliveryCount, d.source])).toEqual([
      ['m0', 1, 't@mailer'],
      ['m0', 2, 't@mailer'],
    ]);
    got[1]!.ack();
    await first;
    const second = c.deliver(0, 1, 'm1');
    await tick();
    got[2]!.reject();
    await second;
    expect(c.commits).toEqual(['0@1', '0@2']);
  });

  it('a non-durable subscription is a group of its own and never waits', async () => {
    const { conn, consumers } = setup();
    const got: Delivery[] = [];
    conn.subscribe('t', { name: 'audit', durable: false, prefetch: 10 }, { delivery: (d) => got.push(d) });
    await tick();
    const c = consumers[0]!;
    expect(c.config.groupId).toMatch(/^p\.t@audit\.[0-9a-f]{8}$/);
    c.join('p.t', [0]);
    await c.deliver(0, 0, 'e1');
    expect(got.map((d) => [d.message.id, d.deliveryCount, d.source])).toEqual([['e1', 1, 't']]);
    expect(c.commits).toEqual([]);
  });

  it('an abrupt close cuts the sockets, releases the wait and commits nothing', async () => {
    const { conn, consumers, killed, closed } = setup();
    const seen: StreamRecord[] = [];
    conn.join('t', { group: 'g', sessionTimeoutMs: 1000 }, { record: (r) => seen.push(r), assigned() {}, revoked() {} });
    await tick();
    const c = consumers[0]!;
    c.join('p.t', [0]);
    const inFlight = c.deliver(0, 0, 'x');
    await tick();
    conn.close('abrupt');
    await inFlight;
    seen[0]!.commit();
    await tick();
    expect(killed()).toBe(true);
    expect(c.commits).toEqual([]);
    expect(conn.open).toBe(false);
    expect(closed).toEqual([]);
  });

  it('a consumer that gives up for good closes the connection with the reason, once', async () => {
    const { conn, consumers, closed } = setup();
    conn.join('t', { group: 'g', sessionTimeoutMs: 1000 }, { record() {}, assigned() {}, revoked() {} });
    await tick();
    const c = consumers[0]!;
    c.join('p.t', [0]);
    c.emit(events.CRASH, { error: new Error('broker gone'), restart: false, groupId: 'p.t@g' });
    c.emit(events.CRASH, { error: new Error('again'), restart: false, groupId: 'p.t@g' });
    await tick();
    expect(closed).toHaveLength(1);
    expect(closed[0]).toContain('broker gone');
    expect(conn.open).toBe(false);
  });

  it('a consumer that gives up before its group forms ends the set-up, and the connection says so once', async () => {
    const { conn, consumers, closed } = setup();
    conn.join('t', { group: 'g', sessionTimeoutMs: 1000 }, { record() {}, assigned() {}, revoked() {} });
    await tick();
    consumers[0]!.emit(events.CRASH, { error: new Error('coordinator unreachable'), restart: false, groupId: 'p.t@g' });
    await tick();
    expect(closed).toHaveLength(1);
    expect(closed[0]).toContain('coordinator unreachable');
  });

  it('queues are refused: send as unsupported, consume by closing the connection with the reason', async () => {
    const { conn, closed } = setup();
    let code: string | undefined;
    conn.send('q', { id: 'm', headers: {}, size: 1, timestamp: 0 }, {}, (e) => (code = e?.code));
    conn.consume('q', { prefetch: 1 }, { delivery() {} });
    await tick();
    expect(code).toBe('unsupported');
    expect(closed[0]).toMatch(/^queues: Kafka has no per-message acks/);
  });
});
