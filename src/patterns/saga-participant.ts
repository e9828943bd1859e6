import { z } from 'zod';
import type { Message } from '../brokers/broker.js';
import type { MessageLedger } from '../brokers/ledger.js';
import { brokerNamed } from '../components/broker.js';
import type { Job } from '../components/job.js';
import { defineKind } from '../components/kind.js';
import { latencySchema, sampleLatency, type LatencyDist } from '../components/latency.js';
import type { Component, ComponentContext, Handler } from '../core/component.js';
import type { Counter, Gauge } from '../core/metrics.js';
import { componentName, count, ratio } from '../scenario/fields.js';
import { linkKnob, MessagingEndpoint, sendingEndpointFields, type EndpointConfig } from './messaging-endpoint.js';

/** A step's request (orchestration: a command) or its result (a reply, or a choreography event). */
export type Op = 'do' | 'undo';
export type StepOutcome = 'done' | 'failed' | 'compensated';

/** What the saga tells each participant when it is built: its place, and how the steps talk. */
export interface Enlistment {
  /** The saga component's name: choreography's first event comes from it. */
  saga: string;
  coordination: 'orchestration' | 'choreography';
  /** Participants in step order. */
  steps: readonly string[];
  /** Choreography: the topic everyone publishes to and listens on. */
  topic?: string | undefined;
  /** Whether a later step's failure is compensated (choreography: whether to listen for it). */
  compensate: boolean;
}

/** Message ids say what they are, so a retry or a redelivery keeps its id: the idempotency key. */
export const commandId = (saga: string, step: string, op: Op) => `${saga}/${step}/${op}`;
export const eventId = (saga: string, step: string, outcome: string) => `${saga}/${step}/${outcome}`;

export function sagaMessage(id: string, headers: Record<string, string>, now: number): Message {
  return { id, headers, size: 512, timestamp: now };
}

interface Request {
  saga: string;
  op: Op;
  /** Orchestration: the queue to answer on. */
  replyTo?: string | undefined;
}

/** What one participant knows of one saga, in its own database (it survives crashes). */
interface Held {
  /** Units held for the saga: 1 after the step, 0 once compensated; 2 when the step ran twice. */
  units: number;
  did?: 'done' | 'failed' | undefined;
  /** Compensated (idempotent participants): a step arriving later is refused. */
  undone: boolean;
}

export interface ParticipantConfig extends EndpointConfig {
  work: LatencyDist;
  /** Share of steps refused for business reasons (no stock, card declined). */
  failureRate: number;
  /** Remembers each request's outcome and answers a repeat with it; compensations release once. */
  idempotent: boolean;
  prefetch: number;
}

export const participantStates = ['UP', 'DISCONNECTED', 'DOWN'] as const;

/**
 * A service that takes part in sagas: it does its step for an order (reserve stock, charge
 * a card) and, when a later step fails, undoes it (release, refund). Orchestrated, it reads
 * commands from its own queue and answers on the orchestrator's; choreographed, it listens
 * to everyone's events and publishes its own. It acks a request only once its answer is
 * with the broker, so a crash in between repeats the request: an idempotent participant
 * answers a repeat with the outcome it recorded, and releases what it holds once; one that
 * is not reserves twice, or releases what it does not hold.
 */
export class SagaParticipant implements Component {
  readonly kind = 'saga-participant';
  readonly name: string;
  private readonly cfg: ParticipantConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly endpoint: MessagingEndpoint;
  private readonly calls: Handler | undefined;
  private readonly newCallId: () => number;
  private readonly held = new Map<string, Held>();
  /** Request id → outcome, for idempotent participants. */
  private readonly inbox = new Map<string, StepOutcome>();
  private enlisted: Enlistment | undefined;
  private current: (typeof participantStates)[number] = 'UP';
  private epoch = 0;
  private down = false;
  private holdingCount = 0;
  private readonly m: {
    received: Counter;
    actions: Counter;
    declined: Counter;
    compensations: Counter;
    deduped: Counter;
    refusedLate: Counter;
    duplicateActions: Counter;
    overCompensations: Counter;
    crashes: Counter;
    holding: Gauge;
    working: Gauge;
  };

  constructor(
    name: string,
    cfg: ParticipantConfig,
    deps: { broker: ReturnType<typeof brokerNamed>; calls?: Handler | undefined; newCallId: () => number; ledger: MessageLedger },
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.calls = deps.calls;
    this.newCallId = deps.newCallId;
    const m = ctx.metrics;
    this.m = {
      received: m.counter('received'),
      actions: m.counter('actions'),
      declined: m.counter('declined'),
      compensations: m.counter('compensations'),
      deduped: m.counter('deduped'),
      refusedLate: m.counter('refusedLate'),
      duplicateActions: m.counter('duplicateActions'),
      overCompensations: m.counter('overCompensations'),
      crashes: m.counter('crashes'),
      holding: m.gauge('holding'),
      working: m.gauge('working'),
    };
    this.endpoint = new MessagingEndpoint(name, deps.broker.broker, ctx, deps.ledger, cfg, {
      up: () => this.setState('UP', 'connected to the broker'),
      down: (reason) => this.setState('DISCONNECTED', reason),
    });
  }

  get link() {
    return this.endpoint.link;
  }

  /** Joins a saga: from now on it reads its commands (orchestration) or everyone's events (choreography). */
  enlist(enlistment: Enlistment): void {
    if (this.enlisted) throw new Error(`internal: ${this.name} takes part in ${this.enlisted.saga} already`);
    this.enlisted = enlistment;
    const source =
      enlistment.coordination === 'orchestration'
        ? { from: { kind: 'queue' as const, name: this.name }, name: this.name, prefetch: this.cfg.prefetch, sessionTimeout: 0 }
        : { from: { kind: 'topic' as const, name: enlistment.topic! }, name: this.name, prefetch: this.cfg.prefetch, sessionTimeout: 0 };
    this.endpoint.listen(source, (job) => this.receive(job));
    this.endpoint.start();
  }

  /** Units it holds for a saga right now (0 when released or never taken). */
  holds(saga: string): number {
    return this.held.get(saga)?.units ?? 0;
  }

  state(): string {
    return this.current;
  }

  columns() {
    const cols: Record<string, string | number> = { done: this.m.actions.value, holding: this.holdingCount, undone: this.m.compensations.value };
    if (this.m.declined.value > 0) cols['declined'] = this.m.declined.value;
    if (this.m.deduped.value > 0) cols['deduped'] = this.m.deduped.value;
    if (this.m.refusedLate.value > 0) cols['refused late'] = this.m.refusedLate.value;
    if (this.m.duplicateActions.value > 0) cols['done twice'] = this.m.duplicateActions.value;
    if (this.m.overCompensations.value > 0) cols['over-released'] = this.m.overCompensations.value;
    const link = this.link.describe();
    if (link) cols['link'] = link;
    return cols;
  }

  /** The process dies: work in progress is lost, its database (holds, outcomes) is not. */
  crash(cause: string): () => void {
    if (this.down) return () => {};
    this.down = true;
    this.epoch++;
    this.m.crashes.inc();
    this.m.working.set(0);
    this.endpoint.crash();
    this.setState('DOWN', `${cause} started`);
    return () => {
      this.down = false;
      this.setState('DISCONNECTED', `${cause} ended: restarting`);
      this.endpoint.restart();
    };
  }

  private receive(job: Job): void {
    this.m.received.inc();
    const request = this.requestIn(job.message.headers);
    if (!request) return this.endpoint.complete(job);
    if (this.cfg.idempotent) {
      const known = this.inbox.get(job.message.id);
      if (known) {
        this.m.deduped.inc();
        return this.answer(job, request, known);
      }
    }
    const epoch = this.epoch;
    this.m.working.set(this.m.working.value + 1);
    this.ctx.clock.setTimer(sampleLatency(this.cfg.work, this.ctx.random), () => {
      if (epoch !== this.epoch) return;
      const finish = (outcome: StepOutcome) => {
        if (epoch !== this.epoch) return;
        this.m.working.set(this.m.working.value - 1);
        if (this.cfg.idempotent) this.inbox.set(job.message.id, outcome);
        this.answer(job, request, outcome);
      };
      if (request.op === 'undo') finish(this.undo(job, request.saga));
      else this.act(job, request.saga, finish);
    });
  }

  /** The request a message carries for this participant, if any. */
  private requestIn(h: Readonly<Record<string, string>>): Request | undefined {
    const e = this.enlisted!;
    const saga = h['saga'];
    if (saga === undefined) return undefined;
    if (e.coordination === 'orchestration') {
      const op = h['op'];
      return op === 'do' || op === 'undo' ? { saga, op, replyTo: h['reply-to'] } : undefined;
    }
    const me = e.steps.indexOf(this.name);
    const previous = me === 0 ? e.saga : e.steps[me - 1];
    if (h['step'] === previous && h['outcome'] === (me === 0 ? 'started' : 'done')) return { saga, op: 'do' };
    // A later step failed: undo what this one did for the saga.
    if (e.compensate && h['outcome'] === 'failed' && e.steps.indexOf(h['step'] ?? '') > me && this.held.has(saga)) return { saga, op: 'undo' };
    return undefined;
  }

  private act(job: Job, saga: string, finish: (outcome: StepOutcome) => void): void {
    const h = this.recordOf(saga);
    const settled = () => {
      if (!this.cfg.idempotent) return false;
      // A repeat of a request already done (or worked on at the same time): its outcome stands.
      if (h.did) {
        this.m.deduped.inc();
        return finish(h.did), true;
      }
      if (!h.undone) return false;
      // Compensated before it arrived (a command that timed out, then came): doing it now would hold for a cancelled order.
      this.m.refusedLate.inc();
      if (this.ctx.trace.enabled) this.ctx.trace.event('refused-late', { saga });
      return finish('failed'), true;
    };
    if (settled()) return;
    const decide = (ok: boolean) => {
      if (settled()) return;
      if (!ok) {
        this.m.declined.inc();
        h.did = 'failed';
        return finish('failed');
      }
      h.did = 'done';
      this.take(h, 1);
      this.m.actions.inc();
      this.endpoint.effect(job);
      if (h.units > 1) {
        this.m.duplicateActions.inc();
        if (this.ctx.trace.enabled) this.ctx.trace.event('duplicate-action', { saga, units: h.units });
      }
      finish('done');
    };
    if (!this.calls) return decide(!this.ctx.random.chance(this.cfg.failureRate));
    const epoch = this.epoch;
    this.calls({ id: this.newCallId(), startedAt: this.ctx.clock.now(), tags: { saga } }, (outcome) => epoch === this.epoch && decide(outcome.ok));
  }

  private undo(job: Job, saga: string): StepOutcome {
    const h = this.recordOf(saga);
    if (this.cfg.idempotent) {
      if (h.undone) {
        this.m.deduped.inc();
        return 'compensated';
      }
      h.undone = true;
      if (h.units === 0) return 'compensated';
      this.take(h, -h.units);
    } else if (h.units > 0) {
      this.take(h, -1);
    } else {
      // Not idempotent: "add the stock back" runs again for a reservation already released (or never made).
      this.m.overCompensations.inc();
      if (this.ctx.trace.enabled) this.ctx.trace.event('over-compensation', { saga });
      this.endpoint.effect(job);
      return 'compensated';
    }
    this.m.compensations.inc();
    this.endpoint.effect(job);
    return 'compensated';
  }

  /** Answers a request: a reply to the orchestrator, or an event for everyone; acks it once the answer is with the broker. */
  private answer(job: Job, request: Request, outcome: StepOutcome): void {
    const e = this.enlisted!;
    const now = this.ctx.clock.now();
    const complete = () => this.endpoint.complete(job);
    if (e.coordination === 'orchestration') {
      const to = request.replyTo ?? e.saga;
      const reply = sagaMessage(`${job.message.id}/reply`, { saga: request.saga, step: this.name, op: request.op, outcome }, now);
      return this.endpoint.send({ kind: 'queue', name: to }, reply, complete);
    }
    const event = sagaMessage(eventId(request.saga, this.name, outcome), { saga: request.saga, step: this.name, outcome }, now);
    this.endpoint.send({ kind: 'topic', name: e.topic! }, event, complete);
  }

  private recordOf(saga: string): Held {
    let h = this.held.get(saga);
    if (!h) this.held.set(saga, (h = { units: 0, undone: false }));
    return h;
  }

  private take(h: Held, units: number): void {
    const before = h.units;
    h.units += units;
    if (before === 0 && h.units > 0) this.holdingCount++;
    else if (before > 0 && h.units === 0) this.holdingCount--;
    this.m.holding.set(this.holdingCount);
  }

  private setState(next: (typeof participantStates)[number], cause: string): void {
    if (this.down && next !== 'DOWN') return;
    if (next === this.current) return;
    const from = this.current;
    this.current = next;
    this.ctx.trace.transition(from, next, cause);
  }
}

const participantSchema = z
  .object({
    kind: z.literal('saga-participant'),
    description: z.string().optional(),
    broker: componentName,
    work: latencySchema.prefault('10ms'),
    failureRate: ratio().default(0),
    calls: componentName.optional(),
    idempotent: z.boolean().default(true),
    prefetch: count({ min: 1, max: 100_000 }).default(10),
    ...sendingEndpointFields,
  })
  .strict();

export const sagaParticipantKind = defineKind({
  kind: 'saga-participant',
  role: 'worker',
  summary: 'a service that does its step of a saga (reserve, charge, book) and undoes it when a later step fails',
  schema: participantSchema,
  knobs: {
    work: { description: 'time to do or undo its step', type: 'duration', min: '0ms', max: '1h' },
    failureRate: { description: 'share of steps refused for business reasons (no stock, card declined)', type: 'ratio', min: 0, max: 1 },
    idempotent: { description: 'answer a repeated request with its recorded outcome; release once', type: 'boolean' },
    link: linkKnob,
  },
  metrics: {
    counters: ['received', 'actions', 'declined', 'compensations', 'deduped', 'refusedLate', 'duplicateActions', 'overCompensations', 'crashes'],
    gauges: ['holding', 'working'],
  },
  states: participantStates,
  references: (config) => [
    { field: 'broker', name: config.broker, role: 'broker' as const },
    ...(config.calls !== undefined ? [{ field: 'calls', name: config.calls, role: 'callable' as const }] : []),
  ],
  create: (config, ctx, resolve) =>
    new SagaParticipant(
      ctx.name,
      {
        work: config.work,
        failureRate: config.failureRate,
        idempotent: config.idempotent,
        prefetch: config.prefetch,
        link: config.link,
        reconnect: config.reconnect,
        confirmTimeout: config.confirmTimeout,
      },
      {
        broker: brokerNamed(resolve.component(config.broker)),
        calls: config.calls !== undefined ? resolve.handler(config.calls) : undefined,
        newCallId: resolve.newCallId,
        ledger: resolve.messages,
      },
      ctx,
    ),
});
