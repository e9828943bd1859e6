import type { Timer } from '../core/clock.js';
import type { ComponentContext } from '../core/component.js';
import { formatDuration } from '../core/units.js';

/**
 * A state machine for components whose condition changes call by call (a limiter refusing,
 * a bulkhead queueing, a shedder shedding). It rises to a level at once, when something
 * happens there, and falls back only after `settleMs` without it, so a busy component shows
 * "LIMITING" for as long as it limits instead of flapping once per call.
 *
 * Levels are ordered, calmest first; the first is the initial state.
 */
export class SettledState<S extends string> {
  private level = 0;
  private readonly lastSeen: number[];
  private timer: Timer | undefined;

  constructor(
    private readonly levels: readonly S[],
    private readonly settleMs: number,
    private readonly ctx: Pick<ComponentContext, 'clock' | 'trace'>,
    /** Words for falling back: "nothing refused" → "nothing refused for 1s". */
    private readonly calm: (from: S) => string,
  ) {
    this.lastSeen = levels.map(() => -Infinity);
  }

  get current(): S {
    return this.levels[this.level]!;
  }

  /** Something happened that belongs to `state`. `cause` is built only when the state changes. */
  observe(state: S, cause: () => string): void {
    const level = this.levels.indexOf(state);
    if (level <= 0) return;
    const now = this.ctx.clock.now();
    this.lastSeen[level] = now;
    if (level > this.level) {
      this.move(level, cause());
    }
    this.timer ??= this.ctx.clock.setTimer(this.settleMs, this.settle);
  }

  private readonly settle = (): void => {
    this.timer = undefined;
    const now = this.ctx.clock.now();
    // The highest level seen within the settling time, if any.
    let level = this.level;
    while (level > 0 && this.lastSeen[level]! + this.settleMs <= now) level--;
    if (level < this.level) this.move(level, `${this.calm(this.current)} for ${formatDuration(this.settleMs)}`);
    if (this.level > 0) this.timer = this.ctx.clock.setTimer(Math.max(0, this.lastSeen[this.level]! + this.settleMs - now), this.settle);
  };

  private move(level: number, cause: string): void {
    const from = this.current;
    this.level = level;
    this.ctx.trace.transition(from, this.current, cause);
  }
}
