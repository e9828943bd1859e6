import { z } from 'zod';
import { wrapAll } from '../components/client.js';
import { defineKind } from '../components/kind.js';
import type { Call, Callee, Cancel, ComponentContext, Done, Handler, Outcome } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { componentName, count } from '../scenario/fields.js';
import { Verdicts } from './instance-view.js';

export type PartialFailure = 'degrade' | 'fail';

export interface GatewayConfig {
  /** An optional part down: answer without it (degrade) or fail the whole answer. */
  partialFailure: PartialFailure;
  /** The call tag that names the route, and the one that carries the caller's credentials. */
  routeTag: string;
  authTag: string;
  /** Failures in a row after which the gateway regards a backend as failing. */
  failingAfter: number;
}

export interface Part {
  backend: string;
  required: boolean;
  /** The backend's handler with the part's policies around it. */
  call: Handler;
}

export interface Route {
  path: string;
  auth: 'none' | 'required';
  /** Policies around the whole route (a rate limiter, a breaker), outermost first. */
  wrap: (core: Handler) => Handler;
  /** One backend (`to`) or several to merge (`aggregate`). */
  parts: readonly Part[];
  aggregate: boolean;
}

export const gatewayStates = ['SERVING', 'DEGRADED'] as const;
export type GatewayState = (typeof gatewayStates)[number];
type BackendState = 'OK' | 'FAILING';

const FULL: Outcome = Object.freeze({ ok: true });
const DEGRADED: Outcome = Object.freeze({ ok: true, fallback: true });

/**
 * An API gateway: one entry point that picks a route by the call's `route` tag, refuses
 * callers without valid credentials (401) or without permission (403) before any backend
 * sees them, runs the route's policies (a rate limiter plugs in here), and answers either
 * from one backend or by fanning out to several and merging — degraded, not failed, when an
 * optional part is down.
 */
export class ApiGateway implements Callee {
  readonly kind = 'api-gateway';
  readonly name: string;
  private readonly cfg: GatewayConfig;
  private readonly ctx: Pick<ComponentContext, 'trace'>;
  private readonly routes: Map<string, { route: Route; handler: Handler }>;
  private readonly first: { route: Route; handler: Handler };
  /** Failures in a row per backend, as the gateway sees them. */
  private readonly failuresInARow = new Map<string, number>();
  private readonly backends: Verdicts<BackendState, GatewayState>;
  private readonly m: {
    calls: Counter;
    routed: Counter;
    unauthorized: Counter;
    forbidden: Counter;
    notFound: Counter;
    full: Counter;
    degraded: Counter;
    answered: Counter;
    refused: Counter;
    failed: Counter;
  };

  constructor(name: string, cfg: GatewayConfig, routes: readonly Route[], ctx: Pick<ComponentContext, 'trace' | 'metrics'>) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    for (const route of routes) for (const part of route.parts) this.failuresInARow.set(part.backend, 0);
    this.backends = new Verdicts({ name, trace: ctx.trace }, [...this.failuresInARow.keys()], { good: 'OK', states: ['SERVING', 'DEGRADED', 'DEGRADED'], goodAre: 'answering', admitsUnknown: true });
    this.routes = new Map(routes.map((route) => [route.path, { route, handler: route.wrap(this.core(route)) }]));
    this.first = this.routes.get(routes[0]!.path)!;
    const m = ctx.metrics;
    this.m = {
      calls: m.counter('calls'),
      routed: m.counter('routed'),
      unauthorized: m.counter('unauthorized'),
      forbidden: m.counter('forbidden'),
      notFound: m.counter('notFound'),
      full: m.counter('full'),
      degraded: m.counter('degraded'),
      answered: m.counter('answered'),
      refused: m.counter('refused'),
      failed: m.counter('failed'),
    };
  }

  state(): GatewayState {
    return this.backends.state;
  }

  columns() {
    const m = this.m;
    const cols: Record<string, string | number> = { full: m.full.value, degraded: m.degraded.value, failed: m.failed.value };
    if (m.refused.value > 0) cols['refused'] = m.refused.value;
    cols['401s'] = m.unauthorized.value;
    cols['403s'] = m.forbidden.value;
    if (m.notFound.value > 0) cols['404s'] = m.notFound.value;
    const failing = [...this.failuresInARow.keys()].filter((name) => !this.backends.admits(name));
    if (failing.length > 0) cols['failing'] = failing.join(', ');
    return cols;
  }

  readonly handle = (call: Call, done: Done): Cancel => {
    const m = this.m;
    m.calls.inc();
    const path = call.tags?.[this.cfg.routeTag];
    const target = path === undefined ? this.first : this.routes.get(path);
    if (!target) {
      m.notFound.inc();
      done(this.refusal(`404 not found: no route ${path}`));
      return noop;
    }
    const denied = target.route.auth === 'required' ? this.authorize(call) : undefined;
    if (denied) {
      done(denied);
      return noop;
    }
    m.routed.inc();
    return target.handler(call, (outcome) => {
      if (outcome.ok) {
        m.answered.inc();
        if (outcome.fallback) m.degraded.inc();
        else m.full.inc();
      } else if (outcome.error === 'rejected') {
        m.refused.inc();
      } else {
        m.failed.inc();
      }
      done(outcome);
    });
  };

  /** 401 without valid credentials, 403 with credentials that do not allow this route. */
  private authorize(call: Call): Outcome | undefined {
    const credentials = call.tags?.[this.cfg.authTag];
    if (credentials === 'valid') return undefined;
    if (credentials === 'forbidden') {
      this.m.forbidden.inc();
      return this.refusal('403 forbidden: credentials do not allow this route');
    }
    this.m.unauthorized.inc();
    return this.refusal(`401 unauthorized: credentials ${credentials ?? 'missing'}`);
  }

  private refusal(detail: string): Outcome {
    return { ok: false, error: 'rejected', by: this.name, detail };
  }

  /** The route's own work: one backend, or all its parts merged. */
  private core(route: Route): Handler {
    const parts = route.parts.map((p) => ({ ...p, call: this.tracked(p.backend, p.call) }));
    if (!route.aggregate) return parts[0]!.call;
    return (call, done) => {
      let left = parts.length;
      let finished = false;
      const missing: string[] = [];
      const cancels: Cancel[] = [];
      const cancelAll = () => {
        for (const c of cancels) c();
      };
      for (const part of parts) {
        if (finished) break;
        cancels.push(
          part.call(call, (outcome) => {
            if (finished) return;
            left--;
            if (!outcome.ok && (part.required || this.cfg.partialFailure === 'fail')) {
              finished = true;
              cancelAll();
              return done(outcome);
            }
            if (!outcome.ok || outcome.fallback) missing.push(`${part.backend} (${outcome.ok ? 'fallback' : outcome.error})`);
            if (left > 0) return;
            finished = true;
            if (missing.length > 0 && this.ctx.trace.enabled) this.ctx.trace.event('degraded', { call: call.id, route: route.path, missing: missing.join(', ') });
            done(missing.length > 0 ? DEGRADED : FULL);
          }),
        );
      }
      return () => {
        finished = true;
        cancelAll();
      };
    };
  }

  /** Keeps the gateway's view of a backend: failing after N failures in a row, fine after one success. */
  private tracked(name: string, call: Handler): Handler {
    return (c, done) =>
      call(c, (outcome) => {
        if (outcome.ok && !outcome.fallback) {
          this.failuresInARow.set(name, 0);
          this.backends.set(name, 'OK', 'answered again');
        } else {
          const failures = this.failuresInARow.get(name)! + 1;
          this.failuresInARow.set(name, failures);
          if (failures >= this.cfg.failingAfter) this.backends.set(name, 'FAILING', `${failures} failures in a row (last: ${outcome.ok ? 'fallback' : outcome.error})`);
        }
        done(outcome);
      });
  }
}

const noop = () => {};

const partSchema = z
  .object({
    to: componentName,
    required: z.boolean().default(false),
    via: z.array(componentName).default([]),
  })
  .strict();

const routeSchema = z
  .object({
    path: z.string().regex(/^\/\S*$/, { message: 'a route path starts with / and has no spaces, e.g. /checkout' }),
    auth: z.enum(['none', 'required']).default('none'),
    via: z.array(componentName).default([]),
    to: componentName.optional(),
    aggregate: z.array(partSchema).min(1).optional(),
  })
  .strict()
  .superRefine((r, ctx) => {
    if ((r.to === undefined) === (r.aggregate === undefined)) {
      ctx.addIssue({ code: 'custom', path: r.to === undefined ? [] : ['aggregate'], message: 'a route goes to one backend (to) or several (aggregate), not both and not neither' });
    }
  });

export const apiGatewayKind = defineKind({
  kind: 'api-gateway',
  role: 'router',
  summary: 'one entry point: routes by path, refuses bad credentials (401/403), runs route policies, merges backends with graceful degradation',
  schema: z
    .object({
      kind: z.literal('api-gateway'),
      description: z.string().optional(),
      routes: z.array(routeSchema).min(1),
      partialFailure: z.enum(['degrade', 'fail']).default('degrade'),
      routeTag: z.string().min(1).default('route'),
      authTag: z.string().min(1).default('auth'),
      failingAfter: count({ min: 1, max: 1000 }).default(3),
    })
    .strict()
    .superRefine((cfg, ctx) => {
      const seen = new Set<string>();
      cfg.routes.forEach((r, i) => {
        if (seen.has(r.path)) ctx.addIssue({ code: 'custom', path: ['routes', i, 'path'], message: `route ${r.path} is declared twice` });
        seen.add(r.path);
      });
    }),
  knobs: {
    partialFailure: { description: 'an optional backend down: degrade (answer without it) or fail', type: 'enum', values: ['degrade', 'fail'] },
    failingAfter: { description: 'failures in a row before the gateway regards a backend as failing', type: 'int', min: 1, max: 1000 },
  },
  metrics: {
    counters: ['calls', 'routed', 'unauthorized', 'forbidden', 'notFound', 'full', 'degraded', 'answered', 'refused', 'failed'],
    ratios: {
      answeredRate: ['answered', 'routed'],
      degradedRate: ['degraded', 'routed'],
      failureRate: ['failed', 'routed'],
      unauthorizedRate: ['unauthorized', 'calls'],
    },
  },
  states: gatewayStates,
  references: (config) =>
    config.routes.flatMap((r, i) => [
      ...r.via.map((name, j) => ({ field: `routes.${i}.via.${j}`, name, role: 'policy' as const })),
      ...(r.to !== undefined ? [{ field: `routes.${i}.to`, name: r.to, role: 'callable' as const }] : []),
      ...(r.aggregate ?? []).flatMap((p, j) => [
        { field: `routes.${i}.aggregate.${j}.to`, name: p.to, role: 'callable' as const },
        ...p.via.map((name, k) => ({ field: `routes.${i}.aggregate.${j}.via.${k}`, name, role: 'policy' as const })),
      ]),
    ]),
  create: (config, ctx, resolve) => {
    const routes: Route[] = config.routes.map((r) => {
      const via = r.via.map((p) => resolve.policy(p));
      const parts: Part[] = r.aggregate
        ? r.aggregate.map((p) => ({ backend: p.to, required: p.required, call: wrapAll(p.via.map((v) => resolve.policy(v)), resolve.handler(p.to)) }))
        : [{ backend: r.to!, required: true, call: resolve.handler(r.to!) }];
      return { path: r.path, auth: r.auth, wrap: (core) => wrapAll(via, core), parts, aggregate: r.aggregate !== undefined };
    });
    return new ApiGateway(ctx.name, config, routes, ctx);
  },
});
