import type { Clock, Timer } from '../core/clock.js';

interface Deferred {
  fn: () => void;
  cancelled: boolean;
}

/**
 * One simulated process as coordination patterns see it: it can stop for a while without
 * knowing (a GC pause, a VM stall, SIGSTOP) and it can be cut off from the network. While it
 * is paused, whatever it would have done waits for it to resume and then runs, in order —
 * including a write whose lease check happened before the pause. While it is cut off, what
 * it sends and what is sent to it is held and delivered once the partition heals, as TCP
 * retransmissions deliver late packets.
 */
export class Process {
  private paused = false;
  private cut = false;
  private deferred: Deferred[] = [];
  private held: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly clock: Pick<Clock, 'setTimer'>,
    /** One-way network delay. */
    private readonly latency: number,
  ) {}

  get isPaused(): boolean {
    return this.paused;
  }

  get isCut(): boolean {
    return this.cut;
  }

  /** Runs `fn` in this process `delay` from now, or as soon as it resumes if it is paused then. */
  after(delay: number, fn: () => void): Timer {
    const job: Deferred = { fn, cancelled: false };
    const timer = this.clock.setTimer(delay, () => this.run(job));
    return {
      cancel() {
        job.cancelled = true;
        timer.cancel();
      },
    };
  }

  /**
   * A request to a shared service (`serve` runs there when it arrives) and its answer back
   * (`answer` runs here, in this process, when it arrives).
   */
  request<R>(serve: () => R, answer: (reply: R) => void): void {
    this.transmit(() => {
      const reply = serve();
      this.transmit(() => this.run({ fn: () => answer(reply), cancelled: false }));
    });
  }

  /** A message with no answer awaited. */
  send(serve: () => void): void {
    this.transmit(serve);
  }

  pause(): () => void {
    this.paused = true;
    return () => {
      this.paused = false;
      const due = this.deferred;
      this.deferred = [];
      for (const job of due) if (!this.paused) this.run(job);
      else this.deferred.push(job);
    };
  }

  partition(): () => void {
    this.cut = true;
    return () => {
      this.cut = false;
      const held = this.held;
      this.held = [];
      for (const message of held) this.transmit(message);
    };
  }

  private transmit(message: () => void): void {
    if (this.cut) this.held.push(message);
    else this.clock.setTimer(this.latency, () => (this.cut ? this.held.push(message) : message()));
  }

  private run(job: Deferred): void {
    if (job.cancelled) return;
    if (this.paused) this.deferred.push(job);
    else job.fn();
  }
}
