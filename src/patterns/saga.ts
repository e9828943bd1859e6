import { z } from 'zod';
import type { MessageLedger } from '../brokers/ledger.js';
import { brokerNamed } from '../components/broker.js';
import { defineKind, type Resolver } from '../components/kind.js';
import type { Call, Callee, Cancel, ComponentContext, ComponentTrace, Done, Outcome } from '../core/component.js';
import { componentName, count, duration } from '../scenario/fields.js';
import { linkKnob, MessagingEndpoint, sendingEndpointFields, type EndpointConfig } from './messaging-endpoint.js';
import { CANCELLED, COMPENSATING, FAILED, PENDING, SagaBook, sagaCounters, type SagaStep } from './saga-book.js';
import { Choreography } from './saga-choreography.js';
import { Orchestrator, type SagaPolicy } from './saga-orchestration.js';
import { SagaParticipant } from './saga-participant.js';
import { SettledState } from './settled-state.js';

export const sagaStates = ['RUNNING', 'RETRYING', 'DOWN'] as const;
type Busy = Exclude<(typeof sagaStates)[number], 'DOWN'>;

export interface SagaConfig extends EndpointConfig {
  coordination: 'orchestration' | 'choreography';
  steps: readonly SagaStep[];
  replies?: string | undefined;
  topic?: string | undefined;
  stepTimeout: number;
  retries: number;
  compensate: boolean;
  /** The call tag naming who places (and reads) an order. */
  key: string;
  /** Calls with these tags are reads of the caller's latest saga. */
  readWhen: Record<string, string>;
}

const ACCEPTED: Outcome = Object.freeze({ ok: true });

/**
 * The service that starts a saga per call (an order service placing orders) and keeps the
 * saga log, coordinating the steps itself (orchestration) or only following the events the
 * participants publish (choreography). A call is answered as soon as the saga is placed:
 * the order is PENDING, and callers tagged as readers see its state as it goes. Its own
 * state is RUNNING, RETRYING (an orchestrator asking steps again that did not answer in
 * time) or DOWN (crashed; the saga log survives); each saga's state is counted in its row.
 */
export class Saga implements Callee {
  readonly kind = 'saga';
  readonly name: string;
  readonly book: SagaBook;
  private readonly cfg: SagaConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'trace'>;
  private readonly endpoint: MessagingEndpoint;
  private readonly coordinator: Orchestrator | Choreography;
  private readonly busy: SettledState<Busy>;
  private down = false;

  constructor(
    name: string,
    cfg: SagaConfig,
    deps: {
      broker: ReturnType<typeof brokerNamed>;
      participants: readonly SagaParticipant[];
      ledger: MessageLedger;
      /** The orchestrator's decisions, when not the built-in's (an exercise's). */
      orchestration?: SagaPolicy | undefined;
    },
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.book = new SagaBook(name, cfg.steps, ctx);
    // While it is down, the busy level goes on settling silently; a restart shows where it stands.
    const quietWhileDown: ComponentTrace = { get enabled() { return ctx.trace.enabled; }, event: (n, d) => ctx.trace.event(n, d), transition: (f, t, c, d) => !this.down && ctx.trace.transition(f, t, c, d) };
    this.busy = new SettledState<Busy>(['RUNNING', 'RETRYING'], 1000, { clock: ctx.clock, trace: quietWhileDown }, () => 'no step asked again');
    this.endpoint = new MessagingEndpoint(name, deps.broker.broker, ctx, deps.ledger, cfg);
    const retried = () => this.busy.observe('RETRYING', () => 'a step did not answer in time: asking again');
    this.coordinator =
      cfg.coordination === 'orchestration'
        ? new Orchestrator({ steps: cfg.steps, replies: cfg.replies!, stepTimeout: cfg.stepTimeout, retries: cfg.retries, compensate: cfg.compensate }, this.book, this.endpoint, ctx, retried, deps.orchestration)
        : new Choreography({ name, steps: cfg.steps, topic: cfg.topic!, compensate: cfg.compensate }, this.book, this.endpoint, ctx.clock);
    const steps = cfg.steps.map((s) => s.participant);
    for (const p of deps.participants) p.enlist({ saga: name, coordination: cfg.coordination, steps, topic: cfg.topic, compensate: cfg.compensate });
    deps.ledger.onSettle(() => this.book.settle((saga) => deps.participants.reduce((n, p) => n + p.holds(saga), 0)));
    this.endpoint.start();
  }

  get link() {
    return this.endpoint.link;
  }

  state(): string {
    return this.down ? 'DOWN' : this.busy.current;
  }

  columns() {
    const cols: Record<string, string | number> = {};
    for (const s of this.book.states) {
      const n = this.book.count(s);
      if (n > 0 || s === PENDING || s === this.book.success || s === CANCELLED) cols[s] = n;
    }
    const m = this.book.metrics;
    if (m.retries.value > 0) cols['retries'] = m.retries.value;
    if (m.timeouts.value > 0) cols['timeouts'] = m.timeouts.value;
    if (m.lateReplies.value > 0) cols['late replies'] = m.lateReplies.value;
    const link = this.link.describe();
    if (link) cols['link'] = link;
    return cols;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    if (this.down) {
      done({ ok: false, error: 'unavailable', by: this.name, detail: 'the service is down' });
      return noop;
    }
    const user = call.tags?.[this.cfg.key];
    if (this.isRead(call)) this.book.read(user);
    else this.coordinator.begin(this.book.open(user));
    // Placed (or read): the saga goes on without the caller.
    const timer = this.ctx.clock.setTimer(0, () => done(ACCEPTED));
    return () => timer.cancel();
  };

  /** The process dies: timers and unsent messages are lost, the saga log is not. */
  crash(cause: string): () => void {
    if (this.down) return noop;
    const from = this.state();
    this.down = true;
    this.endpoint.crash();
    if (this.coordinator instanceof Orchestrator) this.coordinator.forget();
    this.ctx.trace.transition(from, 'DOWN', `${cause} started`);
    return () => {
      this.down = false;
      this.ctx.trace.transition('DOWN', this.busy.current, `${cause} ended: resuming from the saga log`);
      this.endpoint.restart();
      this.coordinator.resume();
    };
  }

  private isRead(call: Call): boolean {
    const tags = call.tags;
    if (!tags) return false;
    for (const [k, v] of Object.entries(this.cfg.readWhen)) if (tags[k] !== v) return false;
    return true;
  }
}

const noop = () => {};

const reserved = new Set([PENDING, COMPENSATING, CANCELLED, FAILED]);
const queueName = z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'queue and topic names are lower case letters, digits and dashes' });

const sagaSchema = z
  .object({
    kind: z.literal('saga'),
    description: z.string().optional(),
    broker: componentName,
    coordination: z.enum(['orchestration', 'choreography']),
    steps: z
      .array(
        z
          .object({
            participant: componentName,
            state: z.string().regex(/^[A-Z][A-Z0-9_]*$/, { message: 'a state is written in capitals, like RESERVED' }),
          })
          .strict(),
      )
      .min(1),
    replies: queueName.optional(),
    topic: queueName.optional(),
    stepTimeout: duration({ min: 1, max: 3_600_000 }).default(2000),
    retries: count({ max: 100 }).default(2),
    compensate: z.boolean().default(true),
    key: z.string().default('user'),
    readWhen: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({ op: 'read' }),
    ...sendingEndpointFields,
  })
  .strict()
  .superRefine((cfg, ctx) => {
    const seen = new Map<string, number>();
    cfg.steps.forEach((s, i) => {
      if (reserved.has(s.state)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'state'], message: `${s.state} is one of the saga's own states; name the state this step reaches (RESERVED, CHARGED...)` });
      if (seen.has(s.state)) ctx.addIssue({ code: 'custom', path: ['steps', i, 'state'], message: `step ${seen.get(s.state)! + 1} reaches ${s.state} already: each step reaches its own state` });
      seen.set(s.state, i);
      if (cfg.steps.findIndex((o) => o.participant === s.participant) !== i) ctx.addIssue({ code: 'custom', path: ['steps', i, 'participant'], message: `${s.participant} does a step already: a participant does one step of a saga` });
    });
    if (cfg.coordination === 'orchestration' && cfg.replies === undefined) {
      ctx.addIssue({ code: 'custom', path: ['replies'], message: 'an orchestrator needs a queue its participants answer on: replies: <queue>' });
    }
    if (cfg.coordination === 'choreography' && cfg.topic === undefined) {
      ctx.addIssue({ code: 'custom', path: ['topic'], message: 'choreographed steps talk through a topic: topic: <topic>' });
    }
  });

export const sagaKind = defineKind({
  kind: 'saga',
  role: 'service',
  summary: 'starts a saga per call and keeps the saga log, orchestrating the steps or following their events',
  schema: sagaSchema,
  knobs: {
    coordination: { description: 'orchestration (one coordinator sends commands) or choreography (participants react to events)', type: 'enum', values: ['orchestration', 'choreography'] },
    stepTimeout: { description: 'orchestration: how long to wait for a step before asking again', type: 'duration', min: '1ms', max: '1h' },
    retries: { description: 'orchestration: times a step is asked again before it counts as failed', type: 'int', min: 0, max: 100 },
    compensate: { description: 'undo the steps done when a later one fails', type: 'boolean' },
    link: linkKnob,
  },
  metrics: {
    counters: sagaCounters,
    histograms: ['duration'],
    gauges: ['inProgress', 'compensating'],
    ratios: { pendingReadRate: ['readsPending', 'reads'] },
  },
  states: sagaStates,
  references: (config) => [
    { field: 'broker', name: config.broker, role: 'broker' as const },
    ...config.steps.map((s, i) => ({ field: `steps.${i}.participant`, name: s.participant, role: 'worker' as const })),
  ],
  requires: (config) => [
    ...config.steps.map((s, i) => ({ field: `steps.${i}.participant`, of: s.participant, need: 'kind:saga-participant' })),
    ...(config.coordination === 'orchestration'
      ? [
          ...(config.replies !== undefined ? [{ field: 'replies', of: config.broker, need: `queue:${config.replies}` }] : []),
          ...config.steps.map((s, i) => ({ field: `steps.${i}.participant`, of: config.broker, need: `queue:${s.participant}` })),
        ]
      : [
          ...(config.topic !== undefined ? [{ field: 'topic', of: config.broker, need: `topic:${config.topic}` }] : []),
          { field: 'topic', of: config.broker, need: 'capability:durable-subscriptions' },
        ]),
  ],
  create: (config, ctx, resolve) => createSaga(config, ctx, resolve),
});

export type SagaSettings = z.output<typeof sagaSchema>;

/** A saga service from its validated settings; `orchestration` stands in for the built-in orchestrator's decisions (an exercise's). */
export function createSaga(config: SagaSettings, ctx: ComponentContext, resolve: Resolver, orchestration?: SagaPolicy): Saga {
  const participants = config.steps.map((s) => {
    const p = resolve.component(s.participant);
    if (!(p instanceof SagaParticipant)) throw new Error(`internal: ${s.participant} is a ${p.kind}, not a saga-participant`);
    return p;
  });
  const { coordination, steps, replies, topic, stepTimeout, retries, compensate, key, readWhen, link, reconnect, confirmTimeout } = config;
  return new Saga(
    ctx.name,
    { coordination, steps, replies, topic, stepTimeout, retries, compensate, key, readWhen, link, reconnect, confirmTimeout },
    { broker: brokerNamed(resolve.component(config.broker)), participants, ledger: resolve.messages, orchestration },
    ctx,
  );
}
