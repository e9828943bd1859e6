import { z } from 'zod';
import { linkWithLatency } from '../components/client.js';
import { defineKind } from '../components/kind.js';
import { Service } from '../components/service.js';
import type { ComponentContext, Handler } from '../core/component.js';
import type { Counter } from '../core/metrics.js';
import { formatDuration } from '../core/units.js';
import { componentName, count, duration } from '../scenario/fields.js';
import { Verdicts, type InstanceView, type ViewListener } from './instance-view.js';

/**
 * liveness: is the process there at all (a trivial endpoint, blind to a slow request path);
 * readiness: is it there and able to take more (not stopping, nothing queueing);
 * deep: a real request through its request path and dependencies, within the timeout.
 */
export const checkTypes = ['liveness', 'readiness', 'deep'] as const;
export type CheckType = (typeof checkTypes)[number];

export interface HealthCheckConfig {
  check: CheckType;
  every: number;
  timeout: number;
  /** Failed checks in a row that mark a healthy instance unhealthy. */
  unhealthyAfter: number;
  /** Passed checks in a row that mark an unhealthy instance healthy again. */
  healthyAfter: number;
  /** One-way network delay to each instance. */
  link: number;
}

export type HealthState = 'HEALTHY' | 'UNHEALTHY';
export const healthStates = ['HEALTHY', 'DEGRADED', 'UNHEALTHY'] as const;
export type HealthCheckState = (typeof healthStates)[number];

interface Member {
  name: string;
  service: Service;
  call: Handler;
  passesInARow: number;
  failuresInARow: number;
}

/**
 * Probes each instance on a schedule and keeps a verdict per instance, changed only after
 * several checks in a row agree, so one lost probe does not take an instance out and one
 * lucky probe does not put it back. A balancer that reads it skips unhealthy instances.
 */
export class HealthCheck implements InstanceView {
  readonly kind = 'health-check';
  readonly name: string;
  readonly instances: readonly string[];
  private readonly cfg: HealthCheckConfig;
  private readonly ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace'>;
  private readonly members: Member[];
  private readonly verdicts: Verdicts<HealthState, HealthCheckState>;
  private readonly newCallId: () => number;
  private readonly m: { checks: Counter; passed: Counter; failed: Counter };

  constructor(
    name: string,
    cfg: HealthCheckConfig,
    targets: readonly Service[],
    newCallId: () => number,
    ctx: Pick<ComponentContext, 'clock' | 'random' | 'trace' | 'metrics'>,
  ) {
    this.name = name;
    this.cfg = cfg;
    this.ctx = ctx;
    this.newCallId = newCallId;
    this.instances = targets.map((t) => t.name);
    this.members = targets.map((service) => ({
      name: service.name,
      service,
      call: linkWithLatency(ctx.clock, cfg.link, service.handle),
      passesInARow: 0,
      failuresInARow: 0,
    }));
    // Instances start healthy: they were serving before the checker started watching.
    this.verdicts = new Verdicts({ name, trace: ctx.trace }, this.instances, { good: 'HEALTHY', states: healthStates, goodAre: 'healthy', admitsUnknown: true });
    this.m = { checks: ctx.metrics.counter('checks'), passed: ctx.metrics.counter('passed'), failed: ctx.metrics.counter('failed') };
    // Spread the first checks over one period so the instances are not all probed at once.
    for (const member of this.members) ctx.clock.setTimer(ctx.random.uniform(0, cfg.every), () => this.check(member));
  }

  state(): HealthCheckState {
    return this.verdicts.state;
  }

  columns() {
    const { good, of } = this.verdicts.tally();
    const cols: Record<string, string | number> = { check: `${this.cfg.check} every ${formatDuration(this.cfg.every)}`, healthy: `${good}/${of}` };
    const unhealthy = this.members.filter((m) => !this.verdicts.admits(m.name));
    if (unhealthy.length > 0) cols['unhealthy'] = unhealthy.map((m) => `${m.name} (passes ${m.passesInARow}/${this.cfg.healthyAfter})`).join(', ');
    const failing = this.members.filter((m) => this.verdicts.admits(m.name) && m.failuresInARow > 0);
    if (failing.length > 0) cols['failing'] = failing.map((m) => `${m.name} (${m.failuresInARow}/${this.cfg.unhealthyAfter})`).join(', ');
    return cols;
  }

  admits(instance: string): boolean {
    return this.verdicts.admits(instance);
  }

  watch(listener: ViewListener): void {
    this.verdicts.watch(listener);
  }

  /** The verdict on one instance. */
  stateOf(instance: string): HealthState | undefined {
    return this.verdicts.of(instance);
  }

  private check(member: Member): void {
    const started = this.ctx.clock.now();
    this.m.checks.inc();
    this.probe(member, (passed, why) => {
      this.record(member, passed, why);
      const elapsed = this.ctx.clock.now() - started;
      this.ctx.clock.setTimer(Math.max(0, this.cfg.every - elapsed), () => this.check(member));
    });
  }

  /** Runs one check and reports once: passed, or failed with the reason. */
  private probe(member: Member, report: (passed: boolean, why: string) => void): void {
    const { clock } = this.ctx;
    const { timeout, link } = this.cfg;
    let settled = false;
    let cancel = () => {};
    const settle = (passed: boolean, why: string) => {
      if (settled) return;
      settled = true;
      timer.cancel();
      report(passed, why);
    };
    const timer = clock.setTimer(timeout, () => {
      cancel();
      settle(false, `no answer within ${formatDuration(timeout)}`);
    });
    if (this.cfg.check === 'deep') {
      cancel = member.call({ id: this.newCallId(), startedAt: clock.now() }, (outcome) => settle(outcome.ok, outcome.ok ? 'ok' : outcome.error));
      return;
    }
    const health = member.service.health();
    if (health.hung) return; // the timeout answers for it
    const verdict = shallowVerdict(this.cfg.check, health.state, health.saturated);
    clock.setTimer(2 * link, () => settle(verdict === undefined, verdict ?? 'ok'));
  }

  private record(member: Member, passed: boolean, why: string): void {
    const kind = this.cfg.check;
    const healthy = this.verdicts.admits(member.name);
    if (passed) {
      this.m.passed.inc();
      member.failuresInARow = 0;
      member.passesInARow++;
      if (!healthy && member.passesInARow >= this.cfg.healthyAfter) {
        this.verdicts.set(member.name, 'HEALTHY', `${member.passesInARow} ${kind} checks passed in a row`);
      }
    } else {
      this.m.failed.inc();
      member.passesInARow = 0;
      member.failuresInARow++;
      if (healthy && member.failuresInARow >= this.cfg.unhealthyAfter) {
        this.verdicts.set(member.name, 'UNHEALTHY', `${member.failuresInARow} ${kind} checks failed in a row (${why})`);
      }
    }
  }
}

/** Why a liveness or readiness check fails, or undefined when it passes. */
export function shallowVerdict(check: Exclude<CheckType, 'deep'>, state: string, saturated: boolean): string | undefined {
  if (state === 'DOWN') return 'refused';
  if (state === 'STOPPED') return check === 'liveness' ? 'refused' : 'not ready: stopping';
  if (check === 'readiness' && saturated) return 'not ready: calls are queueing';
  return undefined;
}

export const healthCheckKind = defineKind({
  kind: 'health-check',
  role: 'monitor',
  summary: 'probes instances on a schedule (liveness, readiness or deep) and marks them healthy or unhealthy',
  schema: z
    .object({
      kind: z.literal('health-check'),
      description: z.string().optional(),
      targets: z.array(componentName).min(1),
      check: z.enum(checkTypes),
      every: duration({ min: 10, max: 3_600_000 }).default(1000),
      timeout: duration({ min: 1, max: 3_600_000 }).default(500),
      unhealthyAfter: count({ min: 1, max: 100 }).default(3),
      healthyAfter: count({ min: 1, max: 100 }).default(2),
      link: duration({ max: 60_000 }).default(0),
    })
    .strict(),
  knobs: {
    check: { description: 'liveness (is it up), readiness (can it take more), deep (a real request)', type: 'enum', values: [...checkTypes] },
    every: { description: 'time between checks of one instance', type: 'duration', min: '10ms', max: '1h' },
    timeout: { description: 'a check without an answer this long fails', type: 'duration', min: '1ms', max: '1h' },
    unhealthyAfter: { description: 'failed checks in a row that mark an instance unhealthy', type: 'int', min: 1, max: 100 },
    healthyAfter: { description: 'passed checks in a row that mark it healthy again', type: 'int', min: 1, max: 100 },
  },
  metrics: { counters: ['checks', 'passed', 'failed'], ratios: { failureRate: ['failed', 'checks'] } },
  states: healthStates,
  references: (config) => config.targets.map((name, i) => ({ field: `targets.${i}`, name, role: 'service' as const })),
  create: (config, ctx, resolve) => new HealthCheck(ctx.name, config, config.targets.map((t) => asService(resolve.callee(t), t)), resolve.newCallId, ctx),
});

export function asService(c: unknown, name: string): Service {
  if (!(c instanceof Service)) throw new Error(`internal: ${name} is not a service`);
  return c;
}
