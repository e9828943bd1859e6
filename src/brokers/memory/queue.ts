import type { Timer } from '../../core/clock.js';
import { effectivePriority } from '../../patterns/priority-queue.js';
import type { Delivery, DeliveryListener, Message, QueueOptions, SendOptions, Subscription } from '../broker.js';
import type { BrokerHost, ClientLink, DeadLetterReason, ReturnReason } from './host.js';
import { ReadyList } from './ready-list.js';

interface Entry {
  message: Message;
  priority: number;
  deliveries: number;
  /** Arrival order, so requeued messages go back where they were. */
  seq: number;
  expiresAt: number;
}

interface QueueConsumer {
  readonly link: ClientLink;
  readonly prefetch: number;
  readonly listener: DeliveryListener;
  unacked: number;
  active: boolean;
}

type Settlement = 'ack' | 'reject' | ReturnReason;

class QueueDelivery implements Delivery {
  settled = false;
  timer: Timer | undefined;

  constructor(
    private readonly queue: MemoryQueue,
    readonly entry: Entry,
    readonly consumer: QueueConsumer,
    readonly deliveryCount: number,
  ) {}

  get message(): Message {
    return this.entry.message;
  }

  get source(): string {
    return this.queue.name;
  }

  ack(): void {
    this.queue.settle(this, 'ack');
  }

  nack(requeue = true): void {
    this.queue.settle(this, requeue ? 'nack' : 'reject');
  }

  reject(): void {
    this.queue.settle(this, 'reject');
  }
}

/**
 * A queue with competing consumers: each message goes to one consumer at a time, round
 * robin among those below their prefetch; unacked messages come back when nacked, when
 * their ack timeout passes, or when their consumer's connection closes, in their original
 * place. Expired messages are found at the head, as RabbitMQ finds them.
 */
export class MemoryQueue {
  private readonly ready: ReadyList<Entry>;
  private readonly delayed = new Set<Entry>();
  private readonly outstanding = new Set<QueueDelivery>();
  private consumers: QueueConsumer[] = [];
  private turn = 0;
  private seq = 0;
  private dispatchPending = false;
  /** Set while handing out: what comes back meanwhile waits for the next pass. */
  private dispatching = false;
  private returned: Entry[] = [];
  private expiryTimer: Timer | undefined;

  constructor(
    readonly name: string,
    readonly options: QueueOptions,
    private readonly host: BrokerHost,
  ) {
    this.ready = new ReadyList(options.maxPriority ?? 0);
  }

  get depth(): number {
    return this.ready.length + this.delayed.size;
  }

  get unackedCount(): number {
    return this.outstanding.size;
  }

  /** Ids of every message the queue still holds: ready, delayed or unacked. */
  *holding(): IterableIterator<string> {
    for (const e of this.ready) yield e.message.id;
    for (const e of this.delayed) yield e.message.id;
    for (const d of this.outstanding) yield d.entry.message.id;
  }

  enqueue(message: Message, options: SendOptions = {}): void {
    const now = this.host.clock.now();
    const ttl = options.ttlMs ?? this.options.messageTtlMs;
    const entry: Entry = {
      message,
      priority: effectivePriority(options.priority, this.options.maxPriority),
      deliveries: 0,
      seq: this.seq++,
      expiresAt: ttl === undefined ? Infinity : now + ttl,
    };
    const delay = options.delayMs ?? 0;
    if (delay > 0) {
      this.delayed.add(entry);
      this.host.clock.setTimer(delay, () => {
        if (!this.delayed.delete(entry)) return;
        this.ready.push(entry, entry.priority);
        this.schedule();
      });
      return;
    }
    this.ready.push(entry, entry.priority);
    this.schedule();
  }

  consume(link: ClientLink, prefetch: number, listener: DeliveryListener): Subscription {
    const consumer: QueueConsumer = { link, prefetch: Math.max(1, prefetch), listener, unacked: 0, active: true };
    this.consumers.push(consumer);
    this.schedule();
    return {
      cancel: () => {
        consumer.active = false;
        this.consumers = this.consumers.filter((c) => c !== consumer);
      },
    };
  }

  /** The connection is gone: its consumers stop and everything they held comes back. */
  connectionClosed(link: ClientLink): void {
    for (const c of this.consumers) if (c.link === link) c.active = false;
    this.consumers = this.consumers.filter((c) => c.link !== link);
    const lost = [...this.outstanding].filter((d) => d.consumer.link === link).sort((a, b) => b.entry.seq - a.entry.seq);
    for (const d of lost) this.settle(d, 'connection-lost');
  }

  settle(delivery: QueueDelivery, how: Settlement): void {
    if (delivery.settled) return;
    // Acks and nacks of a closed connection never reach the broker.
    if (how !== 'connection-lost' && !delivery.consumer.link.open) return;
    delivery.settled = true;
    delivery.timer?.cancel();
    this.outstanding.delete(delivery);
    delivery.consumer.unacked--;
    const entry = delivery.entry;
    const id = entry.message.id;
    if (how === 'ack') {
      this.host.emit({ type: 'acked', id, group: this.name });
    } else if (how === 'reject') {
      this.deadLetterOrDrop(entry, 'rejected');
    } else {
      const limit = this.options.deadLetter?.afterDeliveries;
      if (limit !== undefined && entry.deliveries >= limit) {
        this.deadLetterOrDrop(entry, 'delivery-limit');
      } else {
        // A consumer that nacks inside its delivery callback must not get the message back
        // within the same pass: that would spin forever without the clock moving.
        if (this.dispatching) this.returned.push(entry);
        else this.ready.unshift(entry, entry.priority);
        this.host.emit({ type: 'returned', id, group: this.name, reason: how });
      }
    }
    this.schedule();
  }

  private schedule(): void {
    if (this.dispatchPending) return;
    this.dispatchPending = true;
    this.host.clock.setTimer(this.host.latencyMs, () => this.dispatch());
  }

  private dispatch(): void {
    this.dispatchPending = false;
    this.expireHead();
    this.dispatching = true;
    try {
      while (this.ready.length > 0) {
        const consumer = this.nextConsumer();
        if (!consumer) break;
        const entry = this.ready.shift()!;
        if (entry.expiresAt <= this.host.clock.now()) {
          this.deadLetterOrDrop(entry, 'expired');
          continue;
        }
        this.deliver(entry, consumer);
      }
    } finally {
      this.dispatching = false;
    }
    if (this.returned.length > 0) {
      for (const e of this.returned.sort((a, b) => b.seq - a.seq)) this.ready.unshift(e, e.priority);
      this.returned = [];
      this.schedule();
    }
    this.watchExpiry();
  }

  private deliver(entry: Entry, consumer: QueueConsumer): void {
    entry.deliveries++;
    consumer.unacked++;
    const count = this.host.capabilities.supported.has('delivery-count') ? entry.deliveries : Math.min(entry.deliveries, 2);
    const delivery = new QueueDelivery(this, entry, consumer, count);
    this.outstanding.add(delivery);
    const timeout = this.options.ackTimeoutMs;
    if (timeout !== undefined) delivery.timer = this.host.clock.setTimer(timeout, () => this.settle(delivery, 'ack-timeout'));
    this.host.emit({ type: 'delivered', id: entry.message.id, group: this.name, count: entry.deliveries });
    consumer.listener.delivery(delivery);
  }

  private nextConsumer(): QueueConsumer | undefined {
    const n = this.consumers.length;
    for (let i = 0; i < n; i++) {
      const c = this.consumers[(this.turn + i) % n]!;
      if (c.active && c.link.open && c.unacked < c.prefetch) {
        this.turn = (this.turn + i + 1) % n;
        return c;
      }
    }
    return undefined;
  }

  private expireHead(): void {
    const now = this.host.clock.now();
    for (let head = this.ready.peek(); head !== undefined && head.expiresAt <= now; head = this.ready.peek()) {
      this.ready.shift();
      this.deadLetterOrDrop(head, 'expired');
    }
  }

  /** Messages expire at the head even when nobody consumes. */
  private watchExpiry(): void {
    this.expiryTimer?.cancel();
    this.expiryTimer = undefined;
    const head = this.ready.peek();
    if (head === undefined || head.expiresAt === Infinity) return;
    this.expiryTimer = this.host.clock.setTimer(Math.max(0, head.expiresAt - this.host.clock.now()), () => this.schedule());
  }

  private deadLetterOrDrop(entry: Entry, reason: DeadLetterReason): void {
    const to = this.options.deadLetter?.queue;
    const id = entry.message.id;
    if (to !== undefined && this.host.deadLetter(to, entry.message, this.name, reason)) {
      this.host.emit({ type: 'dead-lettered', id, group: this.name, to, reason });
    } else {
      this.host.emit({ type: 'dropped', id, group: this.name, reason });
    }
  }
}
