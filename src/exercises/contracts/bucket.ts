import { RateLimiter, type Bucket, type Decision } from '../../patterns/rate-limit.js';
import type { LearnerCalls } from '../learner.js';
import { describeAnswer, missingFunctions, type Contract } from './contract.js';

/**
 * The learner's side of a rate limiter: one bucket's decision for each arriving call. The
 * limiter around it (refusals as 429s, the LIMITING state, the figures) is the built-in's.
 */
export interface LearnerBucket {
  /**
   * A call arrives at `now`. `true` lets it go at once; `{ wait }` lets it go after `wait` ms
   * (it queues: a leaky bucket); `{ retryAfter }` refuses it, saying in how many ms there will
   * be room.
   */
  tryTake(now: number): unknown;
}

export const bucketContract: Contract = {
  name: 'bucket',
  hooks: ['tryTake'],
  shape: (learner) => missingFunctions(learner, 'your object', ['tryTake']),
  build: (learner, { spec, ctx, kind, calls }) => {
    const cfg = spec.config as { key?: string; classes?: unknown };
    if (cfg.key !== undefined || cfg.classes !== undefined) {
      // One object comes out of the factory, so there is one bucket: for everyone.
      throw calls.invalid('create', 0, `your bucket is one for everyone: remove ${cfg.key !== undefined ? '`key:`' : '`classes:`'} from ${ctx.name} in the scenario (a bucket per user or per tier is the built-in's)`);
    }
    const bucket = new LearnerBucketAdapter(learner as LearnerBucket, calls);
    return new RateLimiter(kind.kind, ctx.name, { params: undefined }, () => bucket, ctx);
  },
};

/** Asks the learner, checks the answer, and keeps what the limiter shows: the calls still queued. */
class LearnerBucketAdapter implements Bucket {
  /** When each queued call leaves, in order of its answer; those from `head` on have not left yet. */
  private departures: number[] = [];
  private head = 0;

  constructor(
    private readonly learner: LearnerBucket,
    private readonly calls: LearnerCalls,
  ) {}

  take(now: number): Decision {
    const answer = this.calls.call('tryTake', now, () => this.learner.tryTake(now));
    const decision = decisionOf(answer);
    if (!decision) {
      throw this.calls.invalid(
        'tryTake',
        now,
        `tryTake returned ${describeAnswer(answer)}: answer true (let the call through now), { wait: ms } (let it through after a wait in the queue) or { retryAfter: ms } (refuse it, saying when there will be room), with ms a number, 0 or more`,
      );
    }
    if (decision.admit && decision.delay > 0) this.departures.push(now + decision.delay);
    return decision;
  }

  queued(now: number): number {
    while (this.head < this.departures.length && this.departures[this.head]! <= now) this.head++;
    if (this.head > 64 && this.head * 2 > this.departures.length) {
      this.departures = this.departures.slice(this.head);
      this.head = 0;
    }
    return this.departures.length - this.head;
  }

  describe(now: number): string {
    const queued = this.queued(now);
    return queued > 0 ? `${queued} queued, in your tryTake` : 'in your tryTake';
  }
}

function decisionOf(answer: unknown): Decision | undefined {
  if (answer === true) return { admit: true, delay: 0 };
  if (answer === null || typeof answer !== 'object') return undefined;
  const { wait, retryAfter } = answer as { wait?: unknown; retryAfter?: unknown };
  if (wait !== undefined && retryAfter === undefined && isDuration(wait)) return { admit: true, delay: wait };
  if (retryAfter !== undefined && wait === undefined && isDuration(retryAfter)) return { admit: false, retryAfter };
  return undefined;
}

function isDuration(x: unknown): x is number {
  return typeof x === 'number' && Number.isFinite(x) && x >= 0;
}
