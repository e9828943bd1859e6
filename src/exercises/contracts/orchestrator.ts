import type { Clock } from '../../core/clock.js';
import type { SagaStep } from '../../patterns/saga-book.js';
import type { SagaCommand, SagaDecision, SagaPolicy } from '../../patterns/saga-orchestration.js';
import type { Op, StepOutcome } from '../../patterns/saga-participant.js';
import { createSaga, type SagaSettings } from '../../patterns/saga.js';
import type { LearnerCalls } from '../learner.js';
import { describeAnswer, missingFunctions, type Contract } from './contract.js';

/** What the learner answers: ask a participant to do its step or undo it, or end the saga. */
export type LearnerCommand = { do: string } | { undo: string } | 'end';

/**
 * The learner's side of a saga orchestrator: per order, what to ask first and what to do
 * after each answer or silence. The orchestrator around it (sending the commands, timing
 * them out, ignoring answers it is not waiting for, the saga log's states) is the built-in's.
 */
export interface LearnerOrchestrator {
  begin(order: string, now: number): LearnerCommand;
  answered(order: string, answer: { step: string; op: Op; outcome: StepOutcome }, now: number): LearnerCommand;
  timedOut(order: string, command: { step: string; op: Op; attempts: number }, now: number): LearnerCommand;
}

export const orchestratorContract: Contract = {
  name: 'orchestrator',
  hooks: ['begin', 'answered', 'timedOut'],
  shape: (learner) => missingFunctions(learner, 'your object', ['begin', 'answered', 'timedOut']),
  build: (learner, { spec, ctx, calls, resolve }) => {
    const cfg = spec.config as SagaSettings;
    if (cfg.coordination !== 'orchestration') throw calls.invalid('create', 0, `${ctx.name} is choreographed in the scenario: set coordination: orchestration for your orchestrator to run it`);
    return createSaga(cfg, ctx, resolve, new LearnerOrchestratorAdapter(learner as LearnerOrchestrator, calls, ctx.clock, cfg.steps));
  },
  describeEvent: (event) => {
    const d = (event.data ?? {}) as Record<string, unknown>;
    if (event.name === 'saga') return `${d['id']}: ${d['from'] ?? ''}${d['from'] ? ' → ' : ''}${d['to']}`;
    if (event.name === 'step-retry') return `${d['saga']}: asks ${d['step']} again (${d['op']}, attempt ${d['attempt']})`;
    if (event.name === 'step-undo') return `${d['saga']}: asks ${d['step']} to undo its step`;
    return undefined;
  },
};

/** What the adapter knows of a saga, to hold the learner's answers to what can be asked. */
interface Known {
  done: number;
  compensating: boolean;
}

/** Asks the learner, with names and the simulated time, and checks each answer against the saga's steps. */
class LearnerOrchestratorAdapter implements SagaPolicy {
  private readonly sagas = new Map<string, Known>();
  private readonly names: readonly string[];

  constructor(
    private readonly learner: LearnerOrchestrator,
    private readonly calls: LearnerCalls,
    private readonly clock: Pick<Clock, 'now'>,
    steps: readonly SagaStep[],
  ) {
    this.names = steps.map((s) => s.participant);
  }

  begin(saga: string): SagaDecision {
    this.sagas.set(saga, { done: 0, compensating: false });
    const now = this.clock.now();
    return this.decision('begin', saga, now, this.calls.call('begin', now, () => this.learner.begin(saga, now)));
  }

  answered(saga: string, command: SagaCommand, outcome: StepOutcome): SagaDecision {
    const known = this.sagas.get(saga)!;
    if (command.op === 'do' && outcome === 'done') known.done++;
    const now = this.clock.now();
    const answer = Object.freeze({ step: this.names[command.step]!, op: command.op, outcome });
    return this.decision('answered', saga, now, this.calls.call('answered', now, () => this.learner.answered(saga, answer, now)));
  }

  timedOut(saga: string, command: SagaCommand, attempts: number): SagaDecision {
    const now = this.clock.now();
    const asked = Object.freeze({ step: this.names[command.step]!, op: command.op, attempts });
    return this.decision('timedOut', saga, now, this.calls.call('timedOut', now, () => this.learner.timedOut(saga, asked, now)));
  }

  private decision(hook: string, saga: string, now: number, answer: unknown): SagaDecision {
    const known = this.sagas.get(saga)!;
    const said = `${hook} returned ${describeAnswer(answer)} for ${saga}`;
    if (answer === 'end') {
      this.sagas.delete(saga);
      return 'end';
    }
    const command = this.commandOf(answer);
    if (!command) {
      throw this.calls.invalid(hook, now, `${said}: answer { do: step }, { undo: step } (a step is a participant: ${this.names.join(', ')}) or 'end'`);
    }
    if (known.done === this.names.length) throw this.calls.invalid(hook, now, `${said}, but every step of ${saga} is done: it is complete, answer 'end'`);
    if (command.op === 'undo') {
      known.compensating = true;
      return command;
    }
    if (known.compensating) throw this.calls.invalid(hook, now, `${said}, but ${saga} is being compensated: it goes on back ({ undo: step }) or ends ('end'), never forward again`);
    const next = this.names[known.done]!;
    if (command.step !== known.done) throw this.calls.invalid(hook, now, `${said}, but its next step is ${next}: steps go in order (${this.names.join(', ')}), each once it is asked and done`);
    return command;
  }

  private commandOf(answer: unknown): SagaCommand | undefined {
    if (answer === null || typeof answer !== 'object') return undefined;
    const keys = Object.keys(answer);
    if (keys.length !== 1 || (keys[0] !== 'do' && keys[0] !== 'undo')) return undefined;
    const op = keys[0] as Op;
    const step = this.names.indexOf((answer as Record<string, unknown>)[op] as string);
    return step < 0 ? undefined : { step, op };
  }
}
