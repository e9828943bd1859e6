import type { Job } from '../components/job.js';
import type { Clock } from '../core/clock.js';
import type { MessagingEndpoint } from './messaging-endpoint.js';
import { PENDING, type SagaBook, type SagaRecord, type SagaStep } from './saga-book.js';
import { eventId, sagaMessage } from './saga-participant.js';

export interface ChoreographyConfig {
  /** The service that starts sagas (its events begin each one). */
  name: string;
  steps: readonly SagaStep[];
  topic: string;
  compensate: boolean;
}

/** What the order service has heard of a saga. */
interface Heard {
  done: Set<number>;
  compensated: Set<number>;
}

/**
 * Saga choreography: nobody is in charge. The order service publishes "order placed"; each
 * participant listens for the event before its step ("stock reserved" for payment) and
 * publishes its own outcome; when a step fails, the participants that did theirs hear it and
 * undo them. The order service only listens, so the state it shows is what it has heard so
 * far — and with no one waiting on a step, nothing notices a step that never answers.
 */
export class Choreography {
  private readonly heard = new Map<string, Heard>();

  constructor(
    private readonly cfg: ChoreographyConfig,
    private readonly book: SagaBook,
    private readonly endpoint: MessagingEndpoint,
    private readonly clock: Pick<Clock, 'now'>,
  ) {
    endpoint.listen({ from: { kind: 'topic', name: cfg.topic }, name: cfg.name, prefetch: 100, sessionTimeout: 0 }, (job) => this.hear(job));
  }

  begin(saga: SagaRecord): void {
    this.heard.set(saga.id, { done: new Set(), compensated: new Set() });
    this.announce(saga);
  }

  /**
   * After a crash: a saga nobody has answered may have lost its first event with the
   * process, so it is published again (the same event: whoever had it ignores the repeat).
   */
  resume(): void {
    for (const saga of this.book.running()) if (saga.state === PENDING && !saga.failed) this.announce(saga);
  }

  private announce(saga: SagaRecord): void {
    const event = sagaMessage(eventId(saga.id, this.cfg.name, 'started'), { saga: saga.id, step: this.cfg.name, outcome: 'started' }, this.clock.now());
    this.endpoint.send({ kind: 'topic', name: this.cfg.topic }, event);
  }

  private hear(job: Job): void {
    const h = job.message.headers;
    const saga = this.book.get(h['saga'] ?? '');
    const heard = saga && this.heard.get(saga.id);
    const index = this.cfg.steps.findIndex((s) => s.participant === h['step']);
    if (saga && heard && index >= 0) this.follow(saga, heard, index, h['outcome']);
    this.endpoint.complete(job);
  }

  private follow(saga: SagaRecord, heard: Heard, index: number, outcome: string | undefined): void {
    const step = this.cfg.steps[index]!;
    if (outcome === 'done') {
      heard.done.add(index);
      // Events can arrive out of order: only a step further than the state shown moves it.
      const at = this.cfg.steps.findIndex((s) => s.state === saga.state);
      if (index > at) this.book.advance(saga, step.state, `heard ${step.participant} done`);
    } else if (outcome === 'failed') {
      if (saga.failed) return;
      this.book.fail(saga, `heard ${step.participant} failed`, this.cfg.compensate);
    } else if (outcome === 'compensated') {
      heard.compensated.add(index);
    } else {
      return;
    }
    if (saga.failed && this.cfg.compensate && [...heard.done].every((i) => heard.compensated.has(i))) {
      this.book.cancelled(saga, heard.done.size === 0 ? 'nothing was done' : `heard every step done undone`);
    }
  }
}
