import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler, Outcome, Policy } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { ApiGateway, type GatewayConfig, type PartialFailure, type Route } from './api-gateway.js';

const OK: Outcome = { ok: true };
const DEGRADED: Outcome = { ok: true, fallback: true };
const DOWN: Outcome = { ok: false, error: 'unavailable' };

const cfg = (over: Partial<GatewayConfig> = {}): GatewayConfig => ({ partialFailure: 'degrade', routeTag: 'route', authTag: 'auth', failingAfter: 2, ...over });

/** Backends that answer after 10 ms with whatever `answers[name]` says now. */
function backends(b: ReturnType<typeof testBench>, answers: Record<string, Outcome>) {
  const calls: Record<string, number> = Object.fromEntries(Object.keys(answers).map((n) => [n, 0]));
  const handler = (name: string): Handler => (_c, done) => {
    calls[name]!++;
    const t = b.kernel.setTimer(10, () => done(answers[name]!));
    return () => t.cancel();
  };
  return { calls, handler };
}

function gateway(answers: Record<string, Outcome>, config = cfg(), via: Policy[] = []) {
  const b = testBench();
  const be = backends(b, answers);
  const wrap = (core: Handler) => via.reduceRight((h, p) => p.wrap(h), core);
  const routes: Route[] = [
    {
      path: '/home',
      auth: 'required',
      wrap,
      aggregate: true,
      parts: [
        { backend: 'profile', required: true, call: be.handler('profile') },
        { backend: 'recs', required: false, call: be.handler('recs') },
      ],
    },
    { path: '/public', auth: 'none', wrap: (h) => h, aggregate: false, parts: [{ backend: 'static', required: true, call: be.handler('static') }] },
  ];
  const gw = new ApiGateway('gw', config, routes, b.ctx('gw'));
  const ask = (tags: Record<string, string>) => {
    let result: Outcome | undefined;
    gw.handle({ id: 1, startedAt: b.kernel.now(), tags }, (o) => (result = o));
    b.kernel.runUntil(b.kernel.now() + 100);
    return result;
  };
  return { b, gw, ask, calls: be.calls, answers };
}

const healthy = () => ({ profile: OK, recs: OK, static: OK });

describe('api gateway: routing and auth', () => {
  it.each([
    { tags: { route: '/home', auth: 'valid' }, expected: OK, counter: 'full' },
    { tags: { route: '/home' }, expected: { ok: false, error: 'rejected', by: 'gw', detail: '401 unauthorized: credentials missing' }, counter: 'unauthorized' },
    { tags: { route: '/home', auth: 'expired' }, expected: { ok: false, error: 'rejected', by: 'gw', detail: '401 unauthorized: credentials expired' }, counter: 'unauthorized' },
    { tags: { route: '/home', auth: 'forbidden' }, expected: { ok: false, error: 'rejected', by: 'gw', detail: '403 forbidden: credentials do not allow this route' }, counter: 'forbidden' },
    { tags: { route: '/public' }, expected: OK, counter: 'full' },
    { tags: { route: '/nope', auth: 'valid' }, expected: { ok: false, error: 'rejected', by: 'gw', detail: '404 not found: no route /nope' }, counter: 'notFound' },
    { tags: { auth: 'valid' }, expected: OK, counter: 'full' },
  ] as { tags: Record<string, string>; expected: Outcome; counter: string }[])('$tags → $counter', ({ tags, expected, counter }) => {
    const g = gateway(healthy());
    expect(g.ask(tags)).toEqual(expected);
    expect(g.b.metrics.counters('gw')[counter]).toBe(1);
  });

  it('refused calls never reach a backend', () => {
    const g = gateway(healthy());
    for (const auth of ['missing', 'invalid', 'forbidden']) g.ask({ route: '/home', auth });
    g.ask({ route: '/nowhere' });
    expect(g.calls).toEqual({ profile: 0, recs: 0, static: 0 });
    expect(g.b.metrics.counters('gw')['routed']).toBe(0);
  });

  it("runs the route's policies around the route (a limiter would plug in here)", () => {
    const refuse: Policy = { name: 'limiter', kind: 'x', state: () => undefined, columns: () => ({}), wrap: () => (_c, done) => (done({ ok: false, error: 'rejected', by: 'limiter' }), () => {}) };
    const g = gateway(healthy(), cfg(), [refuse]);
    expect(g.ask({ route: '/home', auth: 'valid' })).toEqual({ ok: false, error: 'rejected', by: 'limiter' });
    expect(g.calls['profile']).toBe(0);
    expect(g.b.metrics.counters('gw')).toMatchObject({ routed: 1, refused: 1 });
  });
});

describe('api gateway: aggregation', () => {
  it.each([
    { profile: OK, recs: OK, mode: 'degrade', expected: OK, counter: 'full' },
    { profile: OK, recs: DOWN, mode: 'degrade', expected: DEGRADED, counter: 'degraded' },
    { profile: OK, recs: DEGRADED, mode: 'degrade', expected: DEGRADED, counter: 'degraded' },
    { profile: DOWN, recs: OK, mode: 'degrade', expected: DOWN, counter: 'failed' },
    { profile: OK, recs: DOWN, mode: 'fail', expected: DOWN, counter: 'failed' },
  ] as const)('profile $profile.ok, recs $recs, $mode → $counter', ({ profile, recs, mode, expected, counter }) => {
    const g = gateway({ profile, recs, static: OK }, cfg({ partialFailure: mode }));
    expect(g.ask({ route: '/home', auth: 'valid' })).toEqual(expected);
    expect(g.b.metrics.counters('gw')[counter]).toBe(1);
  });

  it('marks a backend failing after failingAfter failures in a row, and serving again after one answer', () => {
    const g = gateway({ ...healthy(), recs: DOWN });
    g.ask({ route: '/home', auth: 'valid' });
    expect(g.gw.state()).toBe('SERVING');
    g.ask({ route: '/home', auth: 'valid' });
    expect(g.gw.state()).toBe('DEGRADED');
    g.answers['recs'] = OK;
    g.ask({ route: '/home', auth: 'valid' });
    expect(g.gw.state()).toBe('SERVING');
    expect(g.b.transitions().map((t) => `${t.component} ${t.from}>${t.to}`)).toEqual([
      'gw/recs OK>FAILING',
      'gw SERVING>DEGRADED',
      'gw/recs FAILING>OK',
      'gw DEGRADED>SERVING',
    ]);
  });

  const outcomeArb = fc.constantFrom(OK, DEGRADED, DOWN, { ok: false, error: 'timeout' } as Outcome);
  it('property: full only when every part answered fully; failed only when a part that matters failed; degraded otherwise', () => {
    fc.assert(
      fc.property(outcomeArb, outcomeArb, fc.constantFrom<PartialFailure>('degrade', 'fail'), (profile, recs, mode) => {
        const g = gateway({ profile, recs, static: OK }, cfg({ partialFailure: mode }));
        const answer = g.ask({ route: '/home', auth: 'valid' })!;
        const matters = !profile.ok || (mode === 'fail' && !recs.ok);
        if (matters) expect(answer.ok).toBe(false);
        else if (profile.ok && !profile.fallback && recs.ok && !recs.fallback) expect(answer).toEqual(OK);
        else expect(answer).toEqual(DEGRADED);
        const c = g.b.metrics.counters('gw');
        expect((c['full'] ?? 0) + (c['degraded'] ?? 0) + (c['failed'] ?? 0)).toBe(1);
      }),
    );
  });
});
