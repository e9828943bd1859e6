import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { formatDuration, formatPercent } from '../core/units.js';

/** What faults do to the messages crossing a link while they last. */
export interface LinkCondition {
  drop?: number;
  duplicate?: number;
  /** Added to every message's trip. */
  delay?: number;
  /** Up to this much extra, drawn per message, so later messages overtake earlier ones. */
  reorder?: number;
  /** A network partition: nothing crosses, either way. */
  cut?: boolean;
}

/**
 * The network between a client and its broker. Messages (publishes to the broker,
 * deliveries from it) take `latency` and suffer the faults imposed on the link; acks and
 * confirms take the latency back and are stopped only by a partition — a TCP connection
 * loses no single packet, it loses everything or nothing.
 */
export class MessageLink {
  private readonly conditions: LinkCondition[] = [];
  private now: Required<LinkCondition> = { drop: 0, duplicate: 0, delay: 0, reorder: 0, cut: false };
  private readonly inTransit = new Map<string, number>();

  constructor(
    private readonly clock: Pick<Clock, 'setTimer'>,
    private readonly random: Pick<Random, 'chance' | 'uniform'>,
    readonly latency: number,
  ) {}

  get cut(): boolean {
    return this.now.cut;
  }

  /** Carries message `id` across; `arrive` runs once, twice (duplicated) or never (dropped). */
  carry(id: string, arrive: () => void): void {
    const c = this.now;
    if (c.cut || this.random.chance(c.drop)) return;
    const copies = this.random.chance(c.duplicate) ? 2 : 1;
    for (let i = 0; i < copies; i++) {
      const delay = this.latency + c.delay + (c.reorder > 0 ? this.random.uniform(0, c.reorder) : 0);
      if (delay <= 0) {
        arrive();
        continue;
      }
      this.inTransit.set(id, (this.inTransit.get(id) ?? 0) + 1);
      this.clock.setTimer(delay, () => {
        const left = (this.inTransit.get(id) ?? 1) - 1;
        if (left > 0) this.inTransit.set(id, left);
        else this.inTransit.delete(id);
        if (!this.now.cut) arrive();
      });
    }
  }

  /** An ack or a confirm on its way back. */
  back(fn: () => void): void {
    if (this.now.cut) return;
    if (this.latency <= 0) return fn();
    this.clock.setTimer(this.latency, () => {
      if (!this.now.cut) fn();
    });
  }

  impose(condition: LinkCondition): () => void {
    this.conditions.push(condition);
    this.recompute();
    return () => {
      const i = this.conditions.indexOf(condition);
      if (i >= 0) this.conditions.splice(i, 1);
      this.recompute();
    };
  }

  /** Messages on the wire right now. */
  *holding(): IterableIterator<{ id: string }> {
    for (const id of this.inTransit.keys()) yield { id };
  }

  /** The faults in force, in words, for the live table. */
  describe(): string | undefined {
    const c = this.now;
    const parts = [
      c.cut && 'cut',
      c.drop > 0 && `drop ${formatPercent(c.drop)}`,
      c.duplicate > 0 && `dup ${formatPercent(c.duplicate)}`,
      c.delay > 0 && `+${formatDuration(c.delay)}`,
      c.reorder > 0 && `reorder ${formatDuration(c.reorder)}`,
    ].filter(Boolean);
    return parts.length > 0 ? parts.join(' ') : undefined;
  }

  private recompute(): void {
    let keep = 1;
    let once = 1;
    const next: Required<LinkCondition> = { drop: 0, duplicate: 0, delay: 0, reorder: 0, cut: false };
    for (const c of this.conditions) {
      if (c.drop !== undefined) keep *= 1 - c.drop;
      if (c.duplicate !== undefined) once *= 1 - c.duplicate;
      next.delay += c.delay ?? 0;
      next.reorder = Math.max(next.reorder, c.reorder ?? 0);
      next.cut ||= c.cut ?? false;
    }
    next.drop = 1 - keep;
    next.duplicate = 1 - once;
    this.now = next;
  }
}
