import type { Clock } from '../core/clock.js';
import type { Message } from '../brokers/broker.js';

export interface OutboxConfig {
  /** How often the relay looks for unsent rows. */
  every: number;
  /** Rows the relay takes at a time. */
  batch: number;
}

/**
 * The transactional outbox: the event is written as a row in the same local transaction
 * as the business change, so both exist or neither does. A relay publishes unsent rows and
 * marks them sent once the broker has confirmed them. A crash between the confirm and the
 * mark leaves the rows unsent, so they are published again after a restart: duplicates,
 * never loss — which is why the consumers of an outbox must be idempotent.
 */
export class Outbox {
  /** Unsent rows, oldest first. The table survives crashes; the relay's memory does not. */
  private readonly rows = new Map<string, Message>();
  private running = false;
  private epoch = 0;

  constructor(
    private readonly cfg: OutboxConfig,
    private readonly clock: Pick<Clock, 'setTimer'>,
    private readonly deps: {
      /** Time to write to the local database (marking rows sent). */
      writeMs: number;
      publish(message: Message, done: (ok: boolean) => void): void;
      /** Rows confirmed and marked sent. */
      sent?(count: number): void;
    },
  ) {}

  get backlog(): number {
    return this.rows.size;
  }

  /** Called inside the business transaction. */
  add(message: Message): void {
    this.rows.set(message.id, message);
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.epoch++;
    this.schedule();
  }

  /** The process died: whatever the relay was doing is forgotten; the rows stay. */
  stop(): void {
    this.running = false;
    this.epoch++;
  }

  *holding(): IterableIterator<{ id: string }> {
    for (const id of this.rows.keys()) yield { id };
  }

  private schedule(): void {
    const epoch = this.epoch;
    this.clock.setTimer(this.cfg.every, () => {
      if (epoch === this.epoch) this.relay();
    });
  }

  private relay(): void {
    const epoch = this.epoch;
    const batch = [...take(this.rows.values(), this.cfg.batch)];
    if (batch.length === 0) return this.schedule();
    const confirmed: string[] = [];
    let answered = 0;
    for (const message of batch) {
      this.deps.publish(message, (ok) => {
        if (epoch !== this.epoch) return;
        if (ok) confirmed.push(message.id);
        if (++answered < batch.length) return;
        // Mark sent: one more local write, and the window in which a crash means duplicates.
        this.clock.setTimer(this.deps.writeMs, () => {
          if (epoch !== this.epoch) return;
          for (const id of confirmed) this.rows.delete(id);
          if (confirmed.length > 0) this.deps.sent?.(confirmed.length);
          this.schedule();
        });
      });
    }
  }
}

function* take<T>(items: Iterable<T>, n: number): IterableIterator<T> {
  if (n <= 0) return;
  let i = 0;
  for (const item of items) {
    yield item;
    if (++i >= n) return;
  }
}
