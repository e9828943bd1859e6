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
  /** Pauses and partitions in force: overlapping faults each end their own. */
  private pauses = 0;
  private cuts = 0;
  private deferred: Deferred[] = [];
  private held: (() => void)[] = [];

  constructor(
    readonly name: string,
    private readonly clock: Pick<Clock, 'setTimer'>,
    /** One-way network delay. */
    private readonly latency: number,
  ) {}

  get isPaused(): boolean {
    return this.pauses > 0;
  }

  get isCut(): boolean {
    return this.cuts > 0;
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
    this.pauses++;
    return once(() => {
      if (--this.pauses > 0) return;
      const due = this.deferred;
      this.deferred = [];
      // A job may pause the process again: the rest then waits for that pause to end.
      for (const job of due) this.run(job);
    });
  }

  partition(): () => void {
    this.cuts++;
    return once(() => {
      if (--this.cuts > 0) return;
      const held = this.held;
      this.held = [];
      for (const message of held) this.transmit(message);
    });
  }

  private transmit(message: () => void): void {
    if (this.isCut) this.held.push(message);
    else this.clock.setTimer(this.latency, () => (this.isCut ? this.held.push(message) : message()));
  }

  private run(job: Deferred): void {
    if (job.cancelled) return;
    if (this.isPaused) this.deferred.push(job);
    else job.fn();
  }
}

function once(fn: () => void): () => void {
  let done = false;
  return () => {
    if (done) return;
    done = true;
    fn();
  };
}
