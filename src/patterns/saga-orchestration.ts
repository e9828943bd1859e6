import type { Job } from '../components/job.js';
import type { Clock, Timer } from '../core/clock.js';
import type { ComponentTrace } from '../core/component.js';
import type { MessagingEndpoint } from './messaging-endpoint.js';
import type { SagaBook, SagaRecord, SagaStep } from './saga-book.js';
import { commandId, sagaMessage, type Op } from './saga-participant.js';

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

/** Where a saga stands, in the orchestrator's saga log (it survives a crash). */
interface Progress {
  /** The next step to do. */
  next: number;
  /** Steps done, in order. */
  done: number[];
  /** Compensating: the steps still to undo, the next first. */
  undo: number[] | undefined;
  /** Attempts at the request now outstanding. */
  attempt: number;
}

/**
 * Saga orchestration: one coordinator tells each participant what to do, one step at a
 * time, and waits for its answer. A step that fails is answered by undoing the steps done,
 * latest first; a step that does not answer within the step timeout is asked again (the same
 * command, so an idempotent participant does it once), and after the last retry it counts as
 * failed — and is undone too, since it may have happened after all. Compensations are asked
 * until they answer: a saga must not stop halfway back.
 */
export class Orchestrator {
  private readonly progress = new Map<string, Progress>();
  /** Timers live in memory: a crash loses them, and a restart asks again from the log. */
  private readonly timers = new Map<string, Timer>();

  constructor(
    private readonly cfg: OrchestrationConfig,
    private readonly book: SagaBook,
    private readonly endpoint: MessagingEndpoint,
    private readonly ctx: { clock: Pick<Clock, 'now' | 'setTimer'>; trace: ComponentTrace },
    /** A step is asked again. */
    private readonly retried: () => void,
  ) {
    endpoint.listen({ from: { kind: 'queue', name: cfg.replies }, name: cfg.replies, prefetch: 100, sessionTimeout: 0 }, (job) => this.reply(job));
  }

  begin(saga: SagaRecord): void {
    this.progress.set(saga.id, { next: 0, done: [], undo: undefined, attempt: 0 });
    this.ask(saga);
  }

  /** After a crash: the log says where each saga was; ask again what was outstanding. */
  resume(): void {
    for (const saga of this.book.running()) {
      this.progress.get(saga.id)!.attempt = 0;
      this.ask(saga);
    }
  }

  forget(): void {
    for (const t of this.timers.values()) t.cancel();
    this.timers.clear();
  }

  private ask(saga: SagaRecord): void {
    const p = this.progress.get(saga.id)!;
    if (p.undo) {
      if (p.undo.length === 0) return this.book.cancelled(saga, 'every step done was undone');
      this.command(saga, p.undo[0]!, 'undo');
    } else {
      this.command(saga, p.next, 'do');
    }
  }

  private command(saga: SagaRecord, index: number, op: Op): void {
    const p = this.progress.get(saga.id)!;
    p.attempt++;
    const step = this.cfg.steps[index]!.participant;
    this.book.metrics.commands.inc();
    const now = this.ctx.clock.now();
    this.endpoint.send({ kind: 'queue', name: step }, sagaMessage(commandId(saga.id, step, op), { saga: saga.id, step, op, 'reply-to': this.cfg.replies }, now));
    this.timers.get(saga.id)?.cancel();
    this.timers.set(
      saga.id,
      this.ctx.clock.setTimer(this.cfg.stepTimeout, () => this.timedOut(saga, index, op)),
    );
  }

  private timedOut(saga: SagaRecord, index: number, op: Op): void {
    this.timers.delete(saga.id);
    const p = this.progress.get(saga.id)!;
    const step = this.cfg.steps[index]!.participant;
    if (op === 'undo' || p.attempt <= this.cfg.retries) {
      this.book.metrics.retries.inc();
      this.retried();
      if (this.ctx.trace.enabled) this.ctx.trace.event('step-retry', { saga: saga.id, step, op, attempt: p.attempt + 1 });
      return this.command(saga, index, op);
    }
    this.book.metrics.timeouts.inc();
    // It may have happened all the same (its answer is late, not lost): undo it with the rest.
    this.failed(saga, `no answer from ${step} after ${p.attempt} attempts`, [index]);
  }

  private reply(job: Job): void {
    const h = job.message.headers;
    const saga = this.book.get(h['saga'] ?? '');
    const p = saga && this.progress.get(saga.id);
    const index = this.cfg.steps.findIndex((s) => s.participant === h['step']);
    const expected = p && !saga.ended && (h['op'] === 'undo' ? p.undo?.[0] === index : !p.undo && p.next === index);
    if (!saga || !p || !expected) {
      // Answered after a timeout, or a duplicate: the saga has moved on.
      this.book.metrics.lateReplies.inc();
      return this.endpoint.complete(job);
    }
    this.timers.get(saga.id)?.cancel();
    this.timers.delete(saga.id);
    p.attempt = 0;
    const step = this.cfg.steps[index]!;
    if (h['op'] === 'undo') {
      p.undo!.shift();
      this.ask(saga);
    } else if (h['outcome'] === 'done') {
      p.done.push(index);
      p.next++;
      this.book.advance(saga, step.state, `${step.participant} done`);
      if (p.next < this.cfg.steps.length) this.ask(saga);
    } else {
      this.failed(saga, `${step.participant} failed`, []);
    }
    this.endpoint.complete(job);
  }

  private failed(saga: SagaRecord, cause: string, maybeDone: number[]): void {
    const p = this.progress.get(saga.id)!;
    this.book.fail(saga, cause, this.cfg.compensate);
    if (!this.cfg.compensate) return;
    p.undo = [...maybeDone, ...[...p.done].reverse()];
    p.attempt = 0;
    this.ask(saga);
  }
}
