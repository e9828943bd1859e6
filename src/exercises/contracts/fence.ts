import type { Clock } from '../../core/clock.js';
import type { WriteFence } from '../../patterns/fenced-store.js';
import { LeaderElection, type ElectionConfig } from '../../patterns/leader-election.js';
import type { LearnerCalls } from '../learner.js';
import { describeAnswer, missingFunctions, type Contract } from './contract.js';

/** The storage's verdict on one write. */
export type Verdict = 'accept' | 'reject';

/**
 * The learner's side of leader election with fencing: the storage's check on each write,
 * tagged with the writer's term. The election around it (the lease, the candidates, the
 * leader's loop, pauses and partitions) and the storage's accounting are the built-in's.
 */
export interface LearnerStorage {
  /** A write by `writer`, tagged with `term`, reaches the storage at `now`: 'accept' or 'reject' it. */
  write(writer: string, term: number, now: number): Verdict;
}

const VERDICTS: readonly Verdict[] = ['accept', 'reject'];

export const fenceContract: Contract = {
  name: 'fence',
  hooks: ['write'],
  shape: (learner) => missingFunctions(learner, 'your object', ['write']),
  build: (learner, { spec, ctx, calls }) => new LeaderElection(ctx.name, spec.config as ElectionConfig, ctx, new LearnerFence(learner as LearnerStorage, calls, ctx.clock)),
  describeEvent: (event) => {
    const d = (event.data ?? {}) as Record<string, unknown>;
    if (event.name === 'fenced') return `${d['writer']}'s write of term ${d['term']} refused`;
    if (event.name === 'stale-write') return `${d['writer']}'s write of term ${d['term']} accepted after term ${d['highest']} wrote`;
    return undefined;
  },
};

/** Asks the learner about every write, with the simulated time. */
class LearnerFence implements WriteFence {
  constructor(
    private readonly learner: LearnerStorage,
    private readonly calls: LearnerCalls,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  admits(writer: string, term: number): boolean {
    const now = this.clock.now();
    const answer = this.calls.call('write', now, () => this.learner.write(writer, term, now));
    if (!VERDICTS.includes(answer)) {
      throw this.calls.invalid('write', now, `write(${JSON.stringify(writer)}, ${term}) returned ${describeAnswer(answer)}: answer 'accept' (the write is stored) or 'reject' (it is refused)`);
    }
    return answer === 'accept';
  }
}
