import type { Clock } from '../core/clock.js';
import type { ComponentTrace } from '../core/component.js';
import type { Message } from '../brokers/broker.js';

export interface OutboxConfig {
  /** How often the relay looks for unsent rows. */
  every: number;
  /** Rows the relay takes at a time. */
  batch: number;
}

/**
 * The relay's two decisions, by row id: which unsent rows to publish when it polls, and —
 * once the broker has answered for each of them — which to mark sent. The outbox around it
 * keeps the rows, runs the poll timer, publishes, waits for the answers and writes the marks.
 */
export interface RelayPolicy {
  /** The unsent rows, oldest first: the ones to publish now, in order (none: sleep until the next poll). */
  poll(unsent: readonly string[]): readonly string[];
  /** The broker took `confirmed` and not `failed`: the rows to mark sent, in one local write. */
  published(confirmed: readonly string[], failed: readonly string[]): readonly string[];
}

/** The built-in relay: the oldest `batch` rows, and only what the broker confirmed is marked sent. */
export function oldestFirst(batch: number): RelayPolicy {
  return {
    poll: (unsent) => unsent.slice(0, batch),
    published: (confirmed) => confirmed,
  };
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
  private readonly policy: RelayPolicy;

  constructor(
    private readonly cfg: OutboxConfig,
    private readonly clock: Pick<Clock, 'setTimer'>,
    private readonly deps: {
      /** Time to write to the local database (marking rows sent). */
      writeMs: number;
      publish(message: Message, done: (ok: boolean) => void): void;
      /** Rows confirmed and marked sent. */
      sent?(count: number): void;
      /** The relay's decisions, when not the built-in's (an exercise's). */
      policy?: RelayPolicy | undefined;
      /** For `relay-publish` and `relay-mark` events. */
      trace?: ComponentTrace | undefined;
    },
  ) {
    this.policy = deps.policy ?? oldestFirst(cfg.batch);
  }

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
    const batch = this.policy.poll([...this.rows.keys()]).map((id) => this.rows.get(id)!);
    if (batch.length === 0) return this.schedule();
    const trace = this.deps.trace;
    if (trace?.enabled) trace.event('relay-publish', { rows: batch.length, first: batch[0]!.id, last: batch[batch.length - 1]!.id });
    const confirmed: string[] = [];
    const failed: string[] = [];
    let answered = 0;
    for (const message of batch) {
      this.deps.publish(message, (ok) => {
        if (epoch !== this.epoch) return;
        (ok ? confirmed : failed).push(message.id);
        if (++answered < batch.length) return;
        const marked = this.policy.published(confirmed, failed);
        // Mark sent: one more local write, and the window in which a crash means duplicates.
        this.clock.setTimer(this.deps.writeMs, () => {
          if (epoch !== this.epoch) return;
          for (const id of marked) this.rows.delete(id);
          if (trace?.enabled) trace.event('relay-mark', { rows: marked.length, confirmed: confirmed.length, failed: failed.length });
          if (marked.length > 0) this.deps.sent?.(marked.length);
          this.schedule();
        });
      });
    }
  }
}
