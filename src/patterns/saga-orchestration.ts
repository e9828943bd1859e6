import type { Job } from '../components/job.js';
import type { Clock, Timer } from '../core/clock.js';
import type { ComponentTrace } from '../core/component.js';
import type { MessagingEndpoint } from './messaging-endpoint.js';
import type { SagaBook, SagaRecord, SagaStep } from './saga-book.js';
import { commandId, sagaMessage, type Op, type StepOutcome } from './saga-participant.js';

export interface OrchestrationConfig {
  steps: readonly SagaStep[];
  /** The queue participants answer on. */
  replies: string;
  /** Wait this long for a step's answer before asking again. */
  stepTimeout: number;
  /** Asks again this many times before the step counts as failed (compensations are asked until they answer). */
  retries: number;
  compensate: boolean;
}

/** A request to a participant: do step `step` (an index into the steps), or undo it. */
export interface SagaCommand {
  readonly step: number;
  readonly op: Op;
}

/** What a saga does next: send a command (the same one again is a retry), or end. */
export type SagaDecision = SagaCommand | 'end';

/**
 * The orchestrator's decisions, saga by saga: what to ask first, and what to do after each
 * answer or silence. The orchestrator around it sends the commands, times them out, hears
 * the answers (ignoring those it is not waiting for) and keeps the saga log's states.
 */
export interface SagaPolicy {
  begin(saga: string): SagaDecision;
  /** The participant answered the command the saga was waiting on. */
  answered(saga: string, command: SagaCommand, outcome: StepOutcome): SagaDecision;
  /** No answer within the step timeout, after `attempts` asks of the same command. */
  timedOut(saga: string, command: SagaCommand, attempts: number): SagaDecision;
}

/** Where a saga stands, for the built-in policy (in the saga log: it survives a crash). */
interface Progress {
  /** Steps done, in order. */
  done: number[];
  /** Compensating: the steps still to undo, the next first. */
  undo: number[] | undefined;
}

/**
 * The built-in orchestration: one step at a time, in order. A step that fails is answered by
 * undoing the steps done, latest first; a step that does not answer within the step timeout
 * is asked again (the same command, so an idempotent participant does it once), and after
 * the last retry it counts as failed — and is undone too, since it may have happened after
 * all. Compensations are asked until they answer: a saga must not stop halfway back.
 */
export function inOrderWithCompensation(cfg: Pick<OrchestrationConfig, 'steps' | 'retries' | 'compensate'>): SagaPolicy {
  const progress = new Map<string, Progress>();
  const next = (p: Progress): SagaDecision => {
    if (p.undo) return p.undo.length > 0 ? { step: p.undo[0]!, op: 'undo' } : 'end';
    return p.done.length < cfg.steps.length ? { step: p.done.length, op: 'do' } : 'end';
  };
  const fail = (p: Progress, maybeDone: number[]): SagaDecision => {
    if (!cfg.compensate) return 'end';
    p.undo = [...maybeDone, ...[...p.done].reverse()];
    return next(p);
  };
  return {
    begin(saga) {
      const p: Progress = { done: [], undo: undefined };
      progress.set(saga, p);
      return next(p);
    },
    answered(saga, command, outcome) {
      const p = progress.get(saga)!;
      if (command.op === 'undo') p.undo!.shift();
      else if (outcome === 'done') p.done.push(command.step);
      else return fail(p, []);
      return next(p);
    },
    timedOut(saga, command, attempts) {
      const p = progress.get(saga)!;
      if (command.op === 'undo' || attempts <= cfg.retries) return command;
      return fail(p, [command.step]);
    },
  };
}

/** What the orchestrator itself keeps of a saga, whoever decides. */
interface Tracking {
  /** The command it waits on an answer to. */
  waiting: SagaCommand | undefined;
  attempt: number;
  /** Undoing steps (or ended after a failure): it cannot go forward again. */
  compensating: boolean;
  /** Why it can no longer succeed, once a step failed or was given up on. */
  failure: string | undefined;
  /** Steps asked, answered done, answered failed, and undone. */
  asked: Set<number>;
  done: Set<number>;
  declined: Set<number>;
  undone: Set<number>;
}

/**
 * Saga orchestration: one coordinator tells each participant what to do, one step at a
 * time, and waits for its answer; the policy (`inOrderWithCompensation`, or an exercise's)
 * decides what to ask. A command that gets no answer in time is timed out, an answer to
 * anything but the command awaited is late and ignored, and the saga log follows the
 * decisions: a step's state when it is done, COMPENSATING when the saga turns back, CANCELLED
 * or FAILED when it ends short of its last step.
 */
export class Orchestrator {
  private readonly tracking = new Map<string, Tracking>();
  /** Timers live in memory: a crash loses them, and a restart asks again from the log. */
  private readonly timers = new Map<string, Timer>();
  private readonly policy: SagaPolicy;

  constructor(
    private readonly cfg: OrchestrationConfig,
    private readonly book: SagaBook,
    private readonly endpoint: MessagingEndpoint,
    private readonly ctx: { clock: Pick<Clock, 'now' | 'setTimer'>; trace: ComponentTrace },
    /** A step is asked again. */
    private readonly retried: () => void,
    policy?: SagaPolicy,
  ) {
    this.policy = policy ?? inOrderWithCompensation(cfg);
    endpoint.listen({ from: { kind: 'queue', name: cfg.replies }, name: cfg.replies, prefetch: 100, sessionTimeout: 0 }, (job) => this.reply(job));
  }

  begin(saga: SagaRecord): void {
    const t: Tracking = { waiting: undefined, attempt: 0, compensating: false, failure: undefined, asked: new Set(), done: new Set(), declined: new Set(), undone: new Set() };
    this.tracking.set(saga.id, t);
    this.decide(saga, t, this.policy.begin(saga.id));
  }

  /** After a crash: the log says where each saga was; ask again what was outstanding. */
  resume(): void {
    for (const saga of this.book.running()) {
      const t = this.tracking.get(saga.id)!;
      t.attempt = 0;
      if (t.waiting) this.command(saga, t, t.waiting);
    }
  }

  forget(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  /** Carries out what the policy decided for `saga`, keeping the saga log in step. */
  private decide(saga: SagaRecord, t: Tracking, decision: SagaDecision): void {
    t.waiting = undefined;
    t.attempt = 0;
    if (decision === 'end') return this.end(saga, t);
    if (decision.op === 'undo') this.undoing(saga, t, decision.step);
    this.command(saga, t, decision);
  }

  /** The saga turns back, or goes on back: counts the undos no saga needs. */
  private undoing(saga: SagaRecord, t: Tracking, step: number): void {
    if (!t.compensating) {
      t.compensating = true;
      this.book.fail(saga, t.failure ?? `undoing ${this.cfg.steps[step]!.participant} before the last step`, true);
    }
    if (this.ctx.trace.enabled) this.ctx.trace.event('step-undo', { saga: saga.id, step: this.cfg.steps[step]!.participant });
    // Done, or asked and never answered (it may have happened): only those have anything to undo.
    const mayHold = (i: number) => !t.undone.has(i) && (t.done.has(i) || (t.asked.has(i) && !t.declined.has(i)));
    if (!mayHold(step)) this.book.metrics.needlessUndos.inc();
    if (this.cfg.steps.some((_, i) => i > step && mayHold(i))) this.book.metrics.undoneOutOfOrder.inc();
  }

  private end(saga: SagaRecord, t: Tracking): void {
    if (saga.ended) return;
    const held = [...t.done].filter((i) => !t.undone.has(i)).map((i) => this.cfg.steps[i]!.participant);
    const cause = held.length === 0 ? 'every step done was undone' : `ended with ${held.join(', ')} not undone`;
    if (t.compensating) return this.book.cancelled(saga, cause);
    if (t.failure !== undefined) {
      // Turned back with nothing to undo (or, without compensation, not at all).
      this.book.fail(saga, t.failure, this.cfg.compensate);
      if (this.cfg.compensate) this.book.cancelled(saga, cause);
      return;
    }
    this.book.fail(saga, 'ended before its last step', false);
  }

  private command(saga: SagaRecord, t: Tracking, command: SagaCommand): void {
    t.waiting = command;
    t.attempt++;
    if (command.op === 'do') t.asked.add(command.step);
    const step = this.cfg.steps[command.step]!.participant;
    this.book.metrics.commands.inc();
    const now = this.ctx.clock.now();
    this.endpoint.send({ kind: 'queue', name: step }, sagaMessage(commandId(saga.id, step, command.op), { saga: saga.id, step, op: command.op, 'reply-to': this.cfg.replies }, now));
    this.timers.get(saga.id)?.cancel();
    this.timers.set(
      saga.id,
      this.ctx.clock.setTimer(this.cfg.stepTimeout, () => this.timedOut(saga, t, command)),
    );
  }

  private timedOut(saga: SagaRecord, t: Tracking, command: SagaCommand): void {
    this.timers.delete(saga.id);
    const step = this.cfg.steps[command.step]!.participant;
    const decision = this.policy.timedOut(saga.id, command, t.attempt);
    if (decision !== 'end' && decision.step === command.step && decision.op === command.op) {
      this.book.metrics.retries.inc();
      this.retried();
      if (this.ctx.trace.enabled) this.ctx.trace.event('step-retry', { saga: saga.id, step, op: command.op, attempt: t.attempt + 1 });
      return this.command(saga, t, command);
    }
    this.book.metrics.timeouts.inc();
    // It may have happened all the same (its answer is late, not lost).
    t.failure ??= `no answer from ${step} after ${t.attempt} attempts`;
    this.decide(saga, t, decision);
  }

  private reply(job: Job): void {
    const h = job.message.headers;
    const saga = this.book.get(h['saga'] ?? '');
    const t = saga && this.tracking.get(saga.id);
    const index = this.cfg.steps.findIndex((s) => s.participant === h['step']);
    const command = t?.waiting;
    if (!saga || !t || saga.ended || !command || command.step !== index || command.op !== h['op']) {
      // Answered after a timeout, or a duplicate: the saga has moved on.
      this.book.metrics.lateReplies.inc();
      return this.endpoint.complete(job);
    }
    this.timers.get(saga.id)?.cancel();
    this.timers.delete(saga.id);
    const step = this.cfg.steps[index]!;
    const outcome = (h['outcome'] ?? 'failed') as StepOutcome;
    if (command.op === 'undo') {
      t.undone.add(index);
    } else if (outcome === 'done') {
      t.done.add(index);
      this.book.advance(saga, step.state, `${step.participant} done`);
    } else {
      t.declined.add(index);
      t.failure ??= `${step.participant} failed`;
    }
    this.decide(saga, t, this.policy.answered(saga.id, command, outcome));
    this.endpoint.complete(job);
  }
}
