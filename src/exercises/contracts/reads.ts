import type { Clock } from '../../core/clock.js';
import type { Counter } from '../../core/metrics.js';
import { createCache, type CacheSettings } from '../../patterns/cache.js';
import type { Loaded, MissActions, MissGuard } from '../../patterns/cache-stampede.js';
import { formatDuration } from '../../core/units.js';
import type { LearnerCalls } from '../learner.js';
import { describeAnswer, missingFunctions, type Contract } from './contract.js';

/** What a reader that missed does: load the key from the database, or wait for the load of it already running. */
export type OnMiss = 'load' | 'wait';

/**
 * The learner's side of a cache-aside cache: what a reader that misses a key does. The cache
 * around it (hits, the TTL, the loads themselves, answering the readers) is the built-in's,
 * as is keeping the readers who wait: they get the answer of the key's latest load.
 */
export interface LearnerReads {
  /** A read of `key` found nothing cached at `now`: 'load' it, or 'wait' for the load already running. */
  miss(key: string, now: number): OnMiss;
  /** A load of `key` is done at `now` (`ok`: the value is cached; otherwise the database failed it). */
  loaded(key: string, now: number, ok: boolean): void;
}

const ANSWERS: readonly OnMiss[] = ['load', 'wait'];

export const readsContract: Contract = {
  name: 'reads',
  hooks: ['miss', 'loaded'],
  shape: (learner) => missingFunctions(learner, 'your object', ['miss', 'loaded']),
  build: (learner, { spec, ctx, calls, resolve }) => {
    const cfg = spec.config as CacheSettings;
    // One object decides for everybody: several app servers, each with its own cache, would need one each.
    if (cfg.servers !== 1) throw calls.invalid('create', 0, `${ctx.name} has ${cfg.servers} app servers in the scenario: set servers: 1 for your code to run it`);
    return createCache(cfg, ctx, resolve, new LearnerMissGuard(learner as LearnerReads, calls, ctx.clock, ctx.metrics.counter('coalesced')));
  },
};

/** One load running: the readers waiting for it. */
interface Flight {
  waiting: Loaded[];
}

/** Asks the learner on every miss, runs the loads it asks for, and holds the readers it says wait. */
class LearnerMissGuard implements MissGuard {
  /** Per key, the latest load running: a reader told to wait gets its answer. */
  private readonly flights = new Map<string, Flight>();
  /** Per key, when its last load ended: said when a reader is told to wait for none. */
  private readonly lastEnded = new Map<string, number>();

  constructor(
    private readonly learner: LearnerReads,
    private readonly calls: LearnerCalls,
    private readonly clock: Pick<Clock, 'now'>,
    private readonly coalesced: Counter,
  ) {}

  miss(_server: number, key: string, act: MissActions): void {
    const now = this.clock.now();
    const answer = this.calls.call('miss', now, () => this.learner.miss(key, now));
    if (!ANSWERS.includes(answer)) {
      throw this.calls.invalid('miss', now, `miss(${JSON.stringify(key)}) returned ${describeAnswer(answer)}: answer 'load' (this reader loads it) or 'wait' (it waits for the load already running)`);
    }
    const running = this.flights.get(key);
    if (answer === 'wait') {
      if (!running) {
        const ended = this.lastEnded.get(key);
        const last = ended === undefined ? 'none has started yet' : `the last one ended ${formatDuration(now - ended)} ago`;
        throw this.calls.invalid('miss', now, `miss(${JSON.stringify(key)}) answered 'wait', but no load of ${key} is running (${last}): this reader would wait forever`);
      }
      this.coalesced.inc();
      running.waiting.push(act.answer);
      return;
    }
    const mine: Flight = { waiting: [act.answer] };
    this.flights.set(key, mine);
    act.load('miss', (version, failure) => {
      const at = this.clock.now();
      if (this.flights.get(key) === mine) this.flights.delete(key);
      this.lastEnded.set(key, at);
      this.calls.call('loaded', at, () => this.learner.loaded(key, at, version !== undefined));
      for (const w of mine.waiting) w(version, failure);
    });
  }

  /** A crash: the readers still get their answers when the load returns, and the learner hears of it. */
  forget(): void {}
}
