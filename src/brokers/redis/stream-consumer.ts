/**
 * A consumer of a queue (or of a durable subscription, which is a queue of its own): a
 * Redis stream read by one consumer group with XREADGROUP, on a client of its own because
 * the read blocks.
 *
 * What Redis does not do by itself the consumer does, in the open:
 * - prefetch: it reads at most `prefetch - unacked` entries at a time;
 * - nack: the entry stays pending, marked as returned by setting its idle time to
 *   RETURNED_IDLE (XCLAIM … IDLE … JUSTID, which does not count as a delivery), and the
 *   next reclaim pass of any consumer of the queue claims it;
 * - ack timeout: entries pending longer than `ackTimeoutMs` are claimed again;
 * - a consumer whose connection died: its heartbeat key expires, and the others claim
 *   what it held (XINFO CONSUMERS, XPENDING … consumer, XCLAIM);
 * - delivery counts are Redis's own (XPENDING's counter, which XCLAIM increments);
 * - dead-lettering on reject, and after `afterDeliveries`, is an XADD to the dead-letter
 *   stream with XACK and XDEL of the original in one MULTI.
 */
import type { Redis } from 'ioredis';
import type { Delivery, DeliveryListener, Message, QueueOptions, Subscription } from '../broker.js';
import { GROUP, decodeMessage, encodeMessage, type RedisKeys } from './keys.js';

/** Idle time (ms) that marks a pending entry as given back: far above any ack timeout. */
export const RETURNED_IDLE = 1_000_000_000_000;
/** How long one XREADGROUP blocks: also the longest a returned entry waits for a reader that is blocked. */
const BLOCK_MS = 100;
/** How often a consumer looks for returned, timed-out and orphaned entries. */
const RECLAIM_MS = 100;

/** Removes a consumer from the group if it is gone (no heartbeat) and holds nothing. KEYS: stream, heartbeat; ARGV: group, consumer. */
const FORGET_SCRIPT = `
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
if #redis.call('XPENDING', KEYS[1], ARGV[1], '-', '+', 1, ARGV[2]) > 0 then return 0 end
return redis.call('XGROUP', 'DELCONSUMER', KEYS[1], ARGV[1], ARGV[2])
`;

/** What a consumer needs from the connection it belongs to. */
export interface ConsumerHost {
  readonly keys: RedisKeys;
  /** This connection's consumer name in every group, and its heartbeat key's suffix. */
  readonly consumer: string;
  /** The connection's command client (acks, claims, dead-letters). */
  readonly cmd: Redis;
  readonly open: boolean;
  /** A new client for a blocking read. */
  blockingClient(): Promise<Redis>;
  /** Done with a blocking client: closing it is not a lost connection. */
  release(client: Redis): void;
  /** A client failed while the connection was open: the connection is lost. */
  lost(reason: string): void;
}

type Settlement = 'ack' | 'nack' | 'reject' | 'ack-timeout';

class RedisDelivery implements Delivery {
  settled = false;
  timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly consumer: StreamConsumer,
    readonly entryId: string,
    readonly message: Message,
    readonly source: string,
    readonly deliveryCount: number,
  ) {}

  ack(): void {
    this.consumer.settle(this, 'ack');
  }

  nack(requeue = true): void {
    this.consumer.settle(this, requeue ? 'nack' : 'reject');
  }

  reject(): void {
    this.consumer.settle(this, 'reject');
  }
}

interface Claim {
  id: string;
  /** Deliveries so far, before this claim. */
  count: number;
  minIdle: number;
}

export class StreamConsumer implements Subscription {
  private readonly key: string;
  private readonly prefetch: number;
  private readonly outstanding = new Set<RedisDelivery>();
  private active = true;
  private wakeUp: (() => void) | undefined;
  private reclaimSoon = false;
  private lastReclaim = 0;
  private reader: Redis | undefined;
  /** Other live consumers of the queue, as of the last reclaim pass. */
  private peers = 0;
  /** Acks made in this turn of the event loop, sent together as one XACK and one XDEL. */
  private acks: string[] = [];

  constructor(
    private readonly host: ConsumerHost,
    /** The queue's name without the prefix: Delivery.source. */
    private readonly name: string,
    private readonly options: QueueOptions,
    prefetch: number,
    private readonly listener: DeliveryListener,
  ) {
    this.key = host.keys.queue(name);
    this.prefetch = Math.max(1, prefetch);
  }

  start(): void {
    void this.run();
  }

  cancel(): void {
    this.active = false;
    this.wake();
  }

  /** The connection closes gracefully: what this consumer holds goes back at once. */
  async giveBack(): Promise<void> {
    this.cancel();
    this.flushAcks(true);
    const held = [...this.outstanding];
    for (const d of held) this.forget(d);
    await Promise.all(held.map((d) => this.markReturned(d.entryId)));
  }

  /** The connection is gone: stop without touching Redis (others reclaim what it held). */
  stop(): void {
    this.active = false;
    for (const d of [...this.outstanding]) this.forget(d);
    this.wake();
    this.reader?.disconnect();
  }

  settle(delivery: RedisDelivery, how: Settlement): void {
    // Settling twice, or on a closed connection, never reaches the broker.
    if (delivery.settled || !this.host.open) return;
    this.forget(delivery);
    const id = delivery.entryId;
    const done = (p: Promise<unknown>) => p.catch(() => {}); // a failure here surfaces as the connection's loss
    if (how === 'ack') {
      if (this.acks.push(id) === 1) setImmediate(() => this.flushAcks());
    } else if (how === 'reject') {
      done(this.deadLetterOrDrop(id, delivery.message, 'rejected'));
    } else if (how === 'nack') {
      const limit = this.options.deadLetter?.afterDeliveries;
      if (limit !== undefined && delivery.deliveryCount >= limit) done(this.deadLetterOrDrop(id, delivery.message, 'delivery-limit'));
      else done(this.markReturned(id));
      this.reclaimSoon = true;
    } else {
      // ack-timeout: Redis already sees the entry as idle that long; reclaim it now.
      this.reclaimSoon = true;
    }
    this.wake();
  }

  /** `closing`: the connection is closing gracefully, and acks made before still count. */
  private flushAcks(closing = false): void {
    const ids = this.acks;
    this.acks = [];
    if (ids.length === 0 || !(this.host.open || closing)) return;
    // XACK first: an entry deleted while still pending would stay in the group's list.
    this.host.cmd.call('XACK', this.key, GROUP, ...ids).catch(() => {});
    this.host.cmd.call('XDEL', this.key, ...ids).catch(() => {});
  }

  private forget(delivery: RedisDelivery): void {
    if (delivery.settled) return;
    delivery.settled = true;
    clearTimeout(delivery.timer);
    this.outstanding.delete(delivery);
  }

  private markReturned(id: string): Promise<unknown> {
    return this.host.cmd.call('XCLAIM', this.key, GROUP, this.host.consumer, 0, id, 'IDLE', RETURNED_IDLE, 'JUSTID');
  }

  private deadLetterOrDrop(id: string, message: Message, reason: string): Promise<unknown> {
    const tx = this.host.cmd.multi();
    const to = this.options.deadLetter?.queue;
    if (to !== undefined) {
      const dead: Message = { ...message, headers: { ...message.headers, 'x-dead-letter-from': this.name, 'x-dead-letter-reason': reason } };
      tx.call('XADD', this.host.keys.queue(to), '*', 'm', encodeMessage(dead));
    }
    return tx.call('XACK', this.key, GROUP, id).call('XDEL', this.key, id).exec();
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  /**
   * How many more entries this consumer may hold. Redis hands a backlog to whoever reads
   * first, so while the queue has other live consumers each holds at most its share of
   * its prefetch, and the backlog is spread among them (as RabbitMQ's round robin does).
   */
  private get room(): number {
    const limit = this.peers === 0 ? this.prefetch : Math.ceil(this.prefetch / (this.peers + 1));
    return limit - this.outstanding.size;
  }

  private async run(): Promise<void> {
    try {
      // Registered before the first read, so the others count this consumer when they share out a backlog.
      await this.host.cmd.call('XGROUP', 'CREATECONSUMER', this.key, GROUP, this.host.consumer);
      this.reader = await this.host.blockingClient();
      while (this.active && this.host.open) {
        if (this.reclaimSoon || Date.now() - this.lastReclaim >= RECLAIM_MS) {
          this.reclaimSoon = false;
          this.lastReclaim = Date.now();
          await this.reclaim(this.reader);
          continue;
        }
        if (this.room <= 0) {
          // Until an ack (or an ack timeout) makes room; the next pass also notices peers that left.
          await new Promise<void>((resolve) => {
            const timer = setTimeout(resolve, RECLAIM_MS);
            this.wakeUp = () => {
              clearTimeout(timer);
              resolve();
            };
          });
          continue;
        }
        const reply = await this.reader.call('XREADGROUP', 'GROUP', GROUP, this.host.consumer, 'COUNT', this.room, 'BLOCK', BLOCK_MS, 'STREAMS', this.key, '>');
        for (const [id, fields] of readEntries(reply)) this.handle(id, fields, 1);
      }
    } catch (error) {
      if (this.active && this.host.open) this.host.lost(`reading queue "${this.name}" failed: ${error instanceof Error ? error.message : String(error)}`);
    } finally {
      if (this.host.open && this.reader) this.host.release(this.reader);
    }
  }

  /** An entry this consumer now owns in Redis: hand it out, or give it back if cancelled meanwhile. */
  private handle(id: string, fields: string[], count: number): void {
    const raw = fieldValue(fields, 'm');
    if (raw === undefined) {
      void this.host.cmd.multi().call('XACK', this.key, GROUP, id).call('XDEL', this.key, id).exec().catch(() => {});
      return;
    }
    if (!this.active || !this.host.open) {
      if (this.host.open) void this.markReturned(id).catch(() => {});
      return;
    }
    const delivery = new RedisDelivery(this, id, decodeMessage(raw), this.name, count);
    this.outstanding.add(delivery);
    const timeout = this.options.ackTimeoutMs;
    if (timeout !== undefined) delivery.timer = setTimeout(() => this.settle(delivery, 'ack-timeout'), timeout);
    this.listener.delivery(delivery);
  }

  /** Claims returned, timed-out and orphaned entries, up to the room this consumer has. */
  private async reclaim(client: Redis): Promise<void> {
    const orphaned = await this.survey(client);
    const room = this.room;
    if (room <= 0) return;
    const threshold = this.options.ackTimeoutMs ?? RETURNED_IDLE;
    const stale = (await client.call('XPENDING', this.key, GROUP, 'IDLE', threshold, '-', '+', room)) as [string, string, number, number][];
    const claims: Claim[] = stale.map(([id, , , count]) => ({ id, count, minIdle: threshold }));
    const skip = new Set(claims.map((c) => c.id));
    for (const owner of orphaned) {
      if (claims.length >= room) break;
      const held = (await client.call('XPENDING', this.key, GROUP, '-', '+', room - claims.length, owner)) as [string, string, number, number][];
      // min-idle just under what we saw: if another consumer claims it first, its idle resets and ours fails.
      for (const [id, , idle, count] of held) if (!skip.has(id)) claims.push({ id, count, minIdle: Math.max(0, idle - 1) });
    }
    if (claims.length === 0) return;
    const replies = await Promise.all(
      claims.map((c) => client.call('XCLAIM', this.key, GROUP, this.host.consumer, c.minIdle, c.id) as Promise<[string, string[] | null][]>),
    );
    const limit = this.options.deadLetter?.afterDeliveries;
    replies.forEach((entries, i) => {
      const claim = claims[i]!;
      for (const [id, fields] of entries) {
        if (fields === null) continue; // deleted meanwhile
        const raw = fieldValue(fields, 'm');
        if (limit !== undefined && claim.count >= limit && raw !== undefined && this.host.open) {
          void this.deadLetterOrDrop(id, decodeMessage(raw), 'delivery-limit').catch(() => {});
          continue;
        }
        this.handle(id, fields, claim.count + 1);
      }
    });
  }

  /**
   * Counts the queue's other live consumers, forgets gone ones that hold nothing, and
   * returns the gone ones (heartbeat expired: crashed, killed, paused, cut off) that still
   * hold entries.
   */
  private async survey(client: Redis): Promise<string[]> {
    const consumers = ((await client.call('XINFO', 'CONSUMERS', this.key, GROUP)) as unknown[][]).map(fieldsOf);
    const others = consumers.filter((c) => c['name'] !== this.host.consumer);
    if (others.length === 0) {
      this.peers = 0;
      return [];
    }
    const alive = (await client.call('MGET', ...others.map((c) => this.host.keys.live(String(c['name']))))) as (string | null)[];
    this.peers = alive.filter((a) => a !== null).length;
    const orphaned: string[] = [];
    for (const [i, c] of others.entries()) {
      const owner = String(c['name']);
      if (alive[i] !== null) continue;
      if (Number(c['pending']) > 0) orphaned.push(owner);
      // A gone consumer holding nothing is only a name: forget it, so the group does not grow
      // with reconnects. Checked again inside one script: a paused consumer may have woken up.
      else void client.call('EVAL', FORGET_SCRIPT, 2, this.key, this.host.keys.live(owner), GROUP, owner).catch(() => {});
    }
    return orphaned;
  }
}

type Entry = [id: string, fields: string[]];

/**
 * The entries of a one-stream XREAD(GROUP) reply: `[[key, entries]]` in RESP2, the map
 * `{key: entries}` flattened to `[key, entries]` in RESP3 (ioredis 6 speaks RESP3 when
 * the server does, and `call` leaves replies as they come).
 */
export function readEntries(reply: unknown): Entry[] {
  if (!Array.isArray(reply) || reply.length === 0) return [];
  if (typeof reply[0] === 'string' || Buffer.isBuffer(reply[0])) return (reply[1] as Entry[] | undefined) ?? [];
  return ((reply[0] as [string, Entry[]])[1] as Entry[] | undefined) ?? [];
}

function fieldValue(fields: string[], name: string): string | undefined {
  for (let i = 0; i + 1 < fields.length; i += 2) if (fields[i] === name) return fields[i + 1];
  return undefined;
}

function fieldsOf(flat: unknown[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (let i = 0; i + 1 < flat.length; i += 2) out[String(flat[i])] = flat[i + 1];
  return out;
}
