import { createConsumer, type ConsumerSettings } from '../../components/consumer.js';
import type { Clock } from '../../core/clock.js';
import type { Commit, InboxPolicy, Receipt } from '../../patterns/idempotent-consumer.js';
import type { LearnerCalls } from '../learner.js';
import { describeAnswer, missingFunctions, type Contract } from './contract.js';

/**
 * The learner's side of an idempotent consumer: its inbox, kept in the consumer's own
 * database (it survives a crash). The consumer around it (the work, the effect, the ack, the
 * crashes and redeliveries) is the built-in's.
 */
export interface LearnerInbox {
  /** Message `id` is delivered (again, perhaps) at `now`: 'process' it, or 'skip' it (ack it, no effect). */
  receive(id: string, now: number): Receipt;
  /** The work on `id` is done; its effect is about to commit in the local transaction: 'commit', or 'rollback' (done already). */
  commit(id: string, now: number): Commit;
}

const RECEIPTS: readonly Receipt[] = ['process', 'skip'];
const COMMITS: readonly Commit[] = ['commit', 'rollback'];

export const inboxContract: Contract = {
  name: 'inbox',
  hooks: ['receive', 'commit'],
  shape: (learner) => missingFunctions(learner, 'your object', ['receive', 'commit']),
  build: (learner, { spec, ctx, calls, resolve }) => createConsumer(spec.config as ConsumerSettings, ctx, resolve, new LearnerInboxAdapter(learner as LearnerInbox, calls, ctx.clock)),
  describeEvent: (event) => {
    const id = (event.data as { id?: string } | undefined)?.id;
    if (event.name === 'duplicate-effect') return `${id}: its effect happened again`;
    if (event.name !== 'deduped') return undefined;
    return (event.data as { on?: string }).on === 'receipt' ? `${id}: skipped on receipt` : `${id}: rolled back in the transaction`;
  },
};

/** Asks the learner, with the simulated time, and holds it to the two answers each question has. */
class LearnerInboxAdapter implements InboxPolicy {
  constructor(
    private readonly learner: LearnerInbox,
    private readonly calls: LearnerCalls,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  receive(id: string): Receipt {
    const now = this.clock.now();
    const answer = this.calls.call('receive', now, () => this.learner.receive(id, now));
    if (!RECEIPTS.includes(answer)) {
      throw this.calls.invalid('receive', now, `receive(${JSON.stringify(id)}) returned ${describeAnswer(answer)}: answer 'process' (work on it) or 'skip' (ack it without an effect)`);
    }
    return answer;
  }

  commit(id: string): Commit {
    const now = this.clock.now();
    const answer = this.calls.call('commit', now, () => this.learner.commit(id, now));
    if (!COMMITS.includes(answer)) {
      throw this.calls.invalid('commit', now, `commit(${JSON.stringify(id)}) returned ${describeAnswer(answer)}: answer 'commit' (the effect happens) or 'rollback' (it is done already)`);
    }
    return answer;
  }
}
