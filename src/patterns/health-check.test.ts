import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Service, type ServiceCondition } from '../components/service.js';
import { testBench } from '../testing/harness.js';
import { HealthCheck, shallowVerdict, type HealthCheckConfig } from './health-check.js';

const cfg = (over: Partial<HealthCheckConfig> = {}): HealthCheckConfig => ({
  check: 'liveness',
  every: 100,
  timeout: 50,
  unhealthyAfter: 3,
  healthyAfter: 2,
  link: 0,
  ...over,
});

const JUST_BEFORE = 1e-6;

function bench(config: HealthCheckConfig, names = ['api-1']) {
  const b = testBench();
  const services = names.map((n) => new Service(n, { latency: { dist: 'constant', value: 10 }, errorRate: 0, queue: 1000, concurrency: 1 }, b.ctx(n)));
  let ids = 0;
  const health = new HealthCheck('health', config, services, () => ++ids, b.ctx('health'));
  return { b, services, health };
}

describe('what a shallow check sees', () => {
  it.each([
    { check: 'liveness', state: 'UP', saturated: false, verdict: undefined },
    { check: 'liveness', state: 'SLOW', saturated: true, verdict: undefined },
    { check: 'liveness', state: 'DOWN', saturated: false, verdict: 'refused' },
    { check: 'liveness', state: 'STOPPED', saturated: false, verdict: 'refused' },
    { check: 'readiness', state: 'SLOW', saturated: false, verdict: undefined },
    { check: 'readiness', state: 'UP', saturated: true, verdict: 'not ready: calls are queueing' },
    { check: 'readiness', state: 'STOPPED', saturated: false, verdict: 'not ready: stopping' },
  ] as const)('$check on a $state service (saturated $saturated) → $verdict', ({ check, state, saturated, verdict }) => {
    expect(shallowVerdict(check, state, saturated)).toBe(verdict);
  });
});

describe('health check', () => {
  it.each([
    { condition: { down: 'fail' }, check: 'liveness', unhealthy: true, why: 'refused' },
    { condition: { down: 'hang' }, check: 'liveness', unhealthy: true, why: 'no answer within 50ms' },
    { condition: { latencyFactor: 10 }, check: 'liveness', unhealthy: false, why: 'a slow request path is invisible to liveness' },
    { condition: { latencyFactor: 10 }, check: 'deep', unhealthy: true, why: 'no answer within 50ms' },
    { condition: { errorRate: 1 }, check: 'deep', unhealthy: true, why: 'error' },
    { condition: { errorRate: 1 }, check: 'readiness', unhealthy: false, why: 'errors are invisible to readiness' },
  ] as const)('$check with $condition → unhealthy $unhealthy ($why)', ({ condition, check, unhealthy, why }) => {
    const { b, services, health } = bench(cfg({ check }));
    services[0]!.impose(condition as ServiceCondition, 'fault');
    b.kernel.runUntil(1000);
    expect(health.stateOf('api-1')).toBe(unhealthy ? 'UNHEALTHY' : 'HEALTHY');
    if (unhealthy) expect(b.transitions('health/api-1')[0]!.cause).toContain(why);
  });

  it.each([
    { failing: 2, state: 'HEALTHY', why: 'one failure below the threshold' },
    { failing: 3, state: 'UNHEALTHY', why: 'exactly at the threshold' },
  ])('$failing failed checks in a row → $state ($why)', ({ failing, state }) => {
    const { b, services, health } = bench(cfg());
    // Checks land at u + 100k for some u in [0, 100): failing from 100 covers checks 1..failing.
    b.kernel.runUntil(100 - JUST_BEFORE);
    const undo = services[0]!.impose({ down: 'fail' }, 'fault');
    b.kernel.runUntil(100 * (failing + 1) - JUST_BEFORE);
    undo();
    expect(health.stateOf('api-1')).toBe(state);
  });

  it('comes back only after healthyAfter passes in a row, and the aggregate follows', () => {
    const { b, services, health } = bench(cfg(), ['api-1', 'api-2']);
    const undo = services[0]!.impose({ down: 'fail' }, 'fault');
    b.kernel.runUntil(400);
    expect(health.state()).toBe('DEGRADED');
    undo();
    b.kernel.runUntil(500);
    expect(health.stateOf('api-1')).toBe('UNHEALTHY');
    b.kernel.runUntil(700);
    expect(health.stateOf('api-1')).toBe('HEALTHY');
    expect(b.transitions('health').map((t) => `${t.from}>${t.to}`)).toEqual(['HEALTHY>DEGRADED', 'DEGRADED>HEALTHY']);
  });

  it('a balancer watching it hears of every change', () => {
    const { b, services, health } = bench(cfg());
    const heard: string[] = [];
    health.watch((instance, cause) => heard.push(`${instance}: ${cause}`));
    services[0]!.impose({ down: 'fail' }, 'fault');
    b.kernel.runUntil(1000);
    expect(heard).toEqual(['api-1: api-1 unhealthy (health)']);
    expect(health.admits('api-1')).toBe(false);
    expect(health.admits('not-checked')).toBe(true);
  });

  it('property: the verdict changes only after the thresholds of checks in a row agree', () => {
    fc.assert(
      fc.property(fc.array(fc.boolean(), { minLength: 1, maxLength: 60 }), fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }), (slots, down, up) => {
        const { b, services, health } = bench(cfg({ unhealthyAfter: down, healthyAfter: up }));
        // Check k happens at some u + 100k with u in [0, 100): set slot k's condition at 100k.
        let undo: (() => void) | undefined;
        let model: 'HEALTHY' | 'UNHEALTHY' = 'HEALTHY';
        let run = 0;
        let last: boolean | undefined;
        slots.forEach((passes, k) => {
          undo?.();
          undo = passes ? undefined : services[0]!.impose({ down: 'fail' }, 'fault');
          b.kernel.runUntil(100 * (k + 1) - JUST_BEFORE);
          run = passes === last ? run + 1 : 1;
          last = passes;
          if (model === 'HEALTHY' && !passes && run >= down) model = 'UNHEALTHY';
          if (model === 'UNHEALTHY' && passes && run >= up) model = 'HEALTHY';
          expect(health.stateOf('api-1')).toBe(model);
        });
      }),
      { numRuns: 50 },
    );
  });
});
