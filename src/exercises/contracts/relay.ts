import { createProducer, type ProducerSettings } from '../../components/producer.js';
import type { Clock } from '../../core/clock.js';
import type { RelayPolicy } from '../../patterns/transactional-outbox.js';
import type { LearnerCalls } from '../learner.js';
import { describeAnswer, missingFunctions, type Contract } from './contract.js';

/**
 * The learner's side of a transactional outbox: the relay's decisions, by row id. The
 * producer around it (the business transaction that writes the rows, the poll timer, the
 * publishing, the local write that marks rows sent, crashes) is the built-in's.
 */
export interface LearnerRelay {
  /** The relay polls at `now`: the unsent rows, oldest first. The ids to publish now, in order (none: sleep). */
  poll(unsent: readonly string[], now: number): readonly string[];
  /** The broker answered for each row published: the ids to mark sent (they leave the outbox). */
  published(confirmed: readonly string[], failed: readonly string[], now: number): readonly string[];
}

export const relayContract: Contract = {
  name: 'relay',
  hooks: ['poll', 'published'],
  shape: (learner) => missingFunctions(learner, 'your object', ['poll', 'published']),
  build: (learner, { spec, ctx, calls, resolve }) => {
    const cfg = spec.config as ProducerSettings;
    if (cfg.outbox === false) throw calls.invalid('create', 0, `${ctx.name} has no outbox in the scenario: give it one (outbox: { every: 500ms, batch: 100 }) for your relay to empty`);
    return createProducer(cfg, ctx, resolve, new LearnerRelayAdapter(learner as LearnerRelay, calls, ctx.clock));
  },
  describeEvent: (event) => {
    const d = (event.data ?? {}) as { rows?: number; first?: string; last?: string; confirmed?: number; failed?: number };
    if (event.name === 'relay-publish') return `relay publishes ${rows(d.rows)}: ${d.first === d.last ? d.first : `${d.first} … ${d.last}`}`;
    if (event.name === 'relay-mark') return `relay marks ${rows(d.rows)} sent (the broker confirmed ${d.confirmed}, failed ${d.failed})`;
    return undefined;
  },
};

const rows = (n = 0) => `${n} row${n === 1 ? '' : 's'}`;

/** Asks the learner, with the simulated time, and holds its answers to the rows there are. */
class LearnerRelayAdapter implements RelayPolicy {
  /** The rows of the batch awaiting the broker's answers, which `published` may mark. */
  private batch = new Set<string>();

  constructor(
    private readonly learner: LearnerRelay,
    private readonly calls: LearnerCalls,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  poll(unsent: readonly string[]): readonly string[] {
    const now = this.clock.now();
    const view = Object.freeze([...unsent]);
    const answer = this.calls.call('poll', now, () => this.learner.poll(view, now));
    const rows = new Set(unsent);
    const ids = this.idsOf('poll', now, answer, (id) => rows.has(id), `the ids of unsent rows (there ${unsent.length === 1 ? 'is 1' : `are ${unsent.length}`}${unsent.length > 0 ? `, from ${unsent[0]}` : ''})`);
    this.batch = new Set(ids);
    return ids;
  }

  published(confirmed: readonly string[], failed: readonly string[]): readonly string[] {
    const now = this.clock.now();
    const answer = this.calls.call('published', now, () => this.learner.published(Object.freeze([...confirmed]), Object.freeze([...failed]), now));
    return this.idsOf('published', now, answer, (id) => this.batch.has(id), 'ids of the rows just published (confirmed or failed)');
  }

  private idsOf(hook: string, now: number, answer: unknown, known: (id: string) => boolean, what: string): string[] {
    const wanted = `${hook} returns an array of ${what}`;
    if (!Array.isArray(answer)) throw this.calls.invalid(hook, now, `${hook} returned ${describeAnswer(answer)}; ${wanted}`);
    const seen = new Set<string>();
    for (const id of answer as unknown[]) {
      if (typeof id !== 'string' || !known(id)) throw this.calls.invalid(hook, now, `${hook} returned ${describeAnswer(id)} among its ids, which is not one of them; ${wanted}`);
      if (seen.has(id)) throw this.calls.invalid(hook, now, `${hook} returned ${id} twice; ${wanted}, each once`);
      seen.add(id);
    }
    return [...seen];
  }
}
