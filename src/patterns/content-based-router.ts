import { z } from 'zod';
import type { MessageLedger } from '../brokers/ledger.js';
import { MessageLink } from '../brokers/link.js';
import { BrokerSession } from '../brokers/session.js';
import { brokerNamed } from '../components/broker.js';
import type { Job } from '../components/job.js';
import { defineKind } from '../components/kind.js';
import type { Component, ComponentContext } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { componentName, count, duration } from '../scenario/fields.js';
import { consumeQueue } from './work-queue.js';

const queueName = z.string().regex(/^[a-z][a-z0-9-]*$/, { message: 'queue names are lower case letters, digits and dashes' });

export interface RouterConfig {
  from: string;
  /** The header whose value picks the route. */
  by: string;
  routes: Record<string, string>;
  /** Where a message no route matches goes; without it, such a message is rejected. */
  otherwise?: string | undefined;
  prefetch: number;
  link: number;
  reconnect: number;
}

/**
 * Content-based router: reads one queue and sends each message on to the queue its content
 * names (a header such as `type: refund`), so each consumer only ever sees work it can do.
 * It acks the original only once the broker has confirmed the forwarded copy: a crash in
 * between forwards it twice, never zero times.
 */
export class ContentBasedRouter implements Component {
  readonly kind = 'content-based-router';
  readonly name: string;
  readonly link: MessageLink;
  private readonly cfg: RouterConfig;
  private readonly session: BrokerSession;
  private readonly ledger: MessageLedger;
  private readonly perRoute = new Map<string, number>();
  private current = 'UP';
  private readonly ctx: Pick<ComponentContext, 'trace'>;
  private readonly m: { received: Counter; routed: Counter; unroutable: Counter; failed: Counter };

  constructor(name: string, cfg: RouterConfig, broker: ReturnType<typeof brokerNamed>, ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>, ledger: MessageLedger) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.ledger = ledger;
    this.link = new MessageLink(ctx.clock, ctx.random.fork('link'), cfg.link);
    const m = ctx.metrics;
    this.m = { received: m.counter('received'), routed: m.counter('routed'), unroutable: m.counter('unroutable'), failed: m.counter('failed') };
    ledger.registerGroup({ destination: cfg.from, group: cfg.from, consumer: name, relay: true });
    ledger.registerHolder(() => this.link.holding());
    this.session = new BrokerSession(broker.broker, ctx.clock, name, cfg.reconnect, {
      up: (connection) => {
        consumeQueue(connection, cfg.from, cfg.prefetch, (job) => this.link.carry(job.message.id, () => this.route(job)));
        this.setState('UP', 'connected to the broker');
      },
      down: (reason) => this.setState('DISCONNECTED', reason),
    });
    this.session.start();
  }

  state(): string {
    return this.current;
  }

  columns() {
    const cols: Record<string, string | number> = {};
    for (const [to, n] of this.perRoute) cols[`→ ${to}`] = n;
    if (this.m.unroutable.value > 0) cols['unroutable'] = this.m.unroutable.value;
    const link = this.link.describe();
    if (link) cols['link'] = link;
    return cols;
  }

  private route(job: Job): void {
    this.m.received.inc();
    this.ledger.delivered(job.message.id, job.group);
    const value = job.message.headers[this.cfg.by];
    const to = (value !== undefined ? this.cfg.routes[value] : undefined) ?? this.cfg.otherwise;
    const connection = this.session.connection;
    if (to === undefined) {
      this.m.unroutable.inc();
      return this.link.back(() => job.refuse());
    }
    if (!connection) return;
    this.link.carry(job.message.id, () =>
      connection.send(to, job.message, {}, (error) =>
        this.link.back(() => {
          if (error) {
            this.m.failed.inc();
            return job.retry();
          }
          this.m.routed.inc();
          this.perRoute.set(to, (this.perRoute.get(to) ?? 0) + 1);
          this.ledger.handled(job.message.id, job.group);
          job.complete();
        }),
      ),
    );
  }

  private setState(next: string, cause: string): void {
    if (next === this.current) return;
    const from = this.current;
    this.current = next;
    this.ctx.trace.transition(from, next, cause);
  }
}

export const contentBasedRouterKind = defineKind({
  kind: 'content-based-router',
  role: 'worker',
  summary: 'reads a queue and forwards each message to the queue its content names',
  schema: z
    .object({
      kind: z.literal('content-based-router'),
      description: z.string().optional(),
      broker: componentName,
      queue: queueName,
      by: z.string().min(1),
      routes: z.record(z.string(), queueName).refine((r) => Object.keys(r).length > 0, { message: 'give at least one route: value → queue' }),
      otherwise: queueName.optional(),
      prefetch: count({ min: 1, max: 100_000 }).default(10),
      link: duration({ max: 60_000 }).default(0),
      reconnect: duration({ min: 1, max: 3_600_000 }).default(1000),
    })
    .strict(),
  knobs: {
    prefetch: { description: 'unacked messages the router holds', type: 'int', min: 1, max: 100_000 },
    link: { description: 'one-way network delay to the broker', type: 'duration', min: '0ms', max: '60s' },
  },
  metrics: { counters: ['received', 'routed', 'unroutable', 'failed'] },
  states: ['UP', 'DISCONNECTED'],
  references: (config) => [{ field: 'broker', name: config.broker, role: 'broker' as const }],
  requires: (config) => [
    { field: 'queue', of: config.broker, need: 'capability:queues' },
    { field: 'queue', of: config.broker, need: `queue:${config.queue}` },
    ...Object.entries(config.routes).map(([value, q]) => ({ field: `routes.${value}`, of: config.broker, need: `queue:${q}` })),
    ...(config.otherwise !== undefined ? [{ field: 'otherwise', of: config.broker, need: `queue:${config.otherwise}` }] : []),
  ],
  create: (config, ctx, resolve) =>
    new ContentBasedRouter(
      ctx.name,
      { from: config.queue, by: config.by, routes: config.routes, otherwise: config.otherwise, prefetch: config.prefetch, link: config.link, reconnect: config.reconnect },
      brokerNamed(resolve.component(config.broker)),
      ctx,
      resolve.messages,
    ),
});
