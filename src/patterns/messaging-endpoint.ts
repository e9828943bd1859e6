import type { Broker, BrokerError, Connection, Message } from '../brokers/broker.js';
import { streamGroup, subscriptionGroup } from '../brokers/groups.js';
import type { MessageLedger } from '../brokers/ledger.js';
import { MessageLink } from '../brokers/link.js';
import { BrokerSession } from '../brokers/session.js';
import type { Destination } from '../components/destination.js';
import type { Job } from '../components/job.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import type { KnobSpec } from '../components/kind.js';
import { duration } from '../scenario/fields.js';
import { joinStream } from './partitioned-stream.js';
import { subscribeTopic } from './pub-sub.js';
import { consumeQueue } from './work-queue.js';

export interface EndpointConfig {
  /** One-way network delay to the broker. */
  link: number;
  reconnect: number;
  /** No confirm by then: send the same message again. */
  confirmTimeout: number;
}

/** The schema fields of a kind that reads through an endpoint. */
export const endpointFields = {
  link: duration({ max: 60_000 }).default(0),
  reconnect: duration({ min: 1, max: 3_600_000 }).default(1000),
};

/** The same, for a kind that also sends. */
export const sendingEndpointFields = { ...endpointFields, confirmTimeout: duration({ min: 1, max: 3_600_000 }).default(2000) };

export const linkKnob: KnobSpec = { description: 'one-way network delay to the broker', type: 'duration', min: '0ms', max: '60s' };

/** What an endpoint reads: a queue, a durable topic subscription or a stream's consumer group. */
export interface Source {
  from: Destination;
  /** The subscription's or the group's name (topics, streams). */
  name: string;
  prefetch: number;
  sessionTimeout: number;
}

/** A message received; `delivery` is 1 the first time this group sees its id. */
export type Received = (job: Job, delivery: number) => void;

interface Reader {
  source: Source;
  group: string;
  received: Received;
}

interface Outgoing {
  to: Destination;
  message: Message;
  confirmed: (() => void)[];
}

const retryable = (e: BrokerError) => e.code === 'unavailable';

/**
 * A service's connection to the broker for patterns that both read and write messages (saga
 * steps, the order service that drives them, a projector): it stays connected, reads its
 * sources again after every reconnection, carries messages over its link (where the message
 * faults act), sends until the broker confirms — the same message, so a lost confirm makes a
 * duplicate, never a loss — and keeps the run's message accounting. A crash forgets what
 * was in memory (unconfirmed sends, unacked deliveries); the broker gives the latter back.
 */
export class MessagingEndpoint {
  readonly link: MessageLink;
  private readonly session: BrokerSession;
  private readonly readers: Reader[] = [];
  private readonly outgoing = new Map<string, Outgoing>();
  /** Deliveries received and not yet acked. */
  private readonly inHand = new Set<Job>();
  private epoch = 0;
  private down = false;
  private refusedCount = 0;

  constructor(
    readonly name: string,
    broker: Broker,
    private readonly ctx: { clock: Pick<Clock, 'now' | 'setTimer'>; random: Random },
    private readonly ledger: MessageLedger,
    private readonly cfg: EndpointConfig,
    events: { up?(): void; down?(reason: string): void } = {},
  ) {
    this.link = new MessageLink(ctx.clock, ctx.random.fork('link'), cfg.link);
    this.session = new BrokerSession(broker, ctx.clock, name, cfg.reconnect, {
      up: (connection) => {
        for (const r of this.readers) this.read(connection, r);
        for (const out of this.outgoing.values()) this.attempt(out);
        events.up?.();
      },
      down: (reason) => events.down?.(reason),
    });
    ledger.registerHolder(() => this.holding());
  }

  get connected(): boolean {
    return this.session.connection !== undefined;
  }

  /** Messages the broker refused for good (too large, unknown destination). */
  get refused(): number {
    return this.refusedCount;
  }

  /** Sends waiting for a confirm. */
  get unconfirmed(): number {
    return this.outgoing.size;
  }

  start(): void {
    this.session.start();
  }

  /** Reads `source` from now on (and after every reconnection); returns its accounting group. */
  listen(source: Source, received: Received): string {
    const from = source.from;
    const group = from.kind === 'queue' ? from.name : from.kind === 'topic' ? subscriptionGroup(from.name, source.name) : streamGroup(from.name, source.name);
    this.ledger.registerGroup({ destination: from.name, group, consumer: this.name, log: from.kind === 'stream' });
    const reader = { source, group, received };
    this.readers.push(reader);
    const connection = this.session.connection;
    if (connection) this.read(connection, reader);
    return group;
  }

  /** Sends until confirmed; `confirmed` runs once the broker has it. */
  send(to: Destination, message: Message, confirmed?: () => void): void {
    const pending = this.outgoing.get(message.id);
    if (pending) {
      // Already on its way: the attempts under way will deliver it.
      if (confirmed) pending.confirmed.push(confirmed);
      return;
    }
    this.ledger.created(message.id, this.name, to.name);
    this.ledger.owed(message.id);
    const out: Outgoing = { to, message, confirmed: confirmed ? [confirmed] : [] };
    this.outgoing.set(message.id, out);
    this.attempt(out);
  }

  /** A side effect of this delivery; false when the group had one for this message already. */
  effect(job: Job): boolean {
    return this.ledger.effect(job.message.id, job.group).first;
  }

  /** Done with it: acked, or its offset committed. */
  complete(job: Job): void {
    this.inHand.delete(job);
    this.ledger.handled(job.message.id, job.group);
    const epoch = this.epoch;
    this.link.back(() => epoch === this.epoch && job.complete());
  }

  /** Give it back for another try. */
  retry(job: Job): void {
    this.inHand.delete(job);
    const epoch = this.epoch;
    this.link.back(() => epoch === this.epoch && job.retry());
  }

  /** The process dies: what it held in memory is gone; the broker takes back what was unacked. */
  crash(): void {
    this.down = true;
    this.epoch++;
    this.session.stop('abrupt');
    this.outgoing.clear();
    this.inHand.clear();
  }

  restart(): void {
    this.down = false;
    this.session.start();
  }

  private read(connection: Connection, reader: Reader): void {
    const epoch = this.epoch;
    const { from, name, prefetch, sessionTimeout } = reader.source;
    const onJob = (job: Job) =>
      this.link.carry(job.message.id, () => {
        if (epoch !== this.epoch || this.down) return;
        const delivery = this.ledger.delivered(job.message.id, reader.group);
        this.inHand.add(job);
        reader.received(job, delivery);
      });
    if (from.kind === 'queue') consumeQueue(connection, from.name, prefetch, onJob);
    else if (from.kind === 'topic') subscribeTopic(connection, from.name, { name, durable: true, prefetch }, onJob);
    else joinStream(connection, from.name, { group: name, sessionTimeoutMs: sessionTimeout }, onJob, () => {});
  }

  private attempt(out: Outgoing): void {
    const connection = this.session.connection;
    // Not connected: the next connection sends it.
    if (!connection) return;
    const epoch = this.epoch;
    const id = out.message.id;
    let settled = false;
    const settle = (error?: BrokerError) => {
      if (settled || epoch !== this.epoch || this.outgoing.get(id) !== out) return;
      settled = true;
      timer.cancel();
      if (!error) {
        this.outgoing.delete(id);
        for (const confirmed of out.confirmed) confirmed();
      } else if (!retryable(error)) {
        this.outgoing.delete(id);
        this.refusedCount++;
      } else {
        this.ctx.clock.setTimer(this.cfg.reconnect, () => epoch === this.epoch && this.outgoing.get(id) === out && this.attempt(out));
      }
    };
    const timer = this.ctx.clock.setTimer(this.cfg.confirmTimeout, () => {
      settled = true;
      if (epoch === this.epoch && this.outgoing.get(id) === out) this.attempt(out);
    });
    const confirm = (error?: BrokerError) => this.link.back(() => settle(error));
    this.link.carry(id, () => {
      if (out.to.kind === 'queue') connection.send(out.to.name, out.message, {}, confirm);
      else if (out.to.kind === 'topic') connection.publish(out.to.name, out.message, confirm);
      else connection.append(out.to.name, out.message, {}, (error) => confirm(error));
    });
  }

  private *holding(): IterableIterator<{ id: string; group?: string }> {
    for (const id of this.outgoing.keys()) yield { id };
    for (const job of this.inHand) yield { id: job.message.id, group: job.group };
    yield* this.link.holding();
  }
}
