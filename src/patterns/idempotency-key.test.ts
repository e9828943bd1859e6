import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Handler, Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { IdempotencyKey, type IdempotencyConfig } from './idempotency-key.js';

const cfg = (over: Partial<IdempotencyConfig> = {}): IdempotencyConfig => ({ ttl: 1000, inFlight: 'wait', storeFailures: false, ...over });
const OK: Outcome = { ok: true };
const ERR: Outcome = { ok: false, error: 'error' };

/** A server that takes 100 ms per request and answers with the next scripted outcome (ok after the script). */
function bench(config: IdempotencyConfig, script: Outcome[] = []) {
  const b = testBench();
  const executions: { id: number; at: number }[] = [];
  const server: Handler = (call, done) => {
    const outcome = script[executions.length] ?? OK;
    executions.push({ id: call.id, at: b.kernel.now() });
    const t = b.kernel.setTimer(100, () => done(outcome));
    return () => t.cancel();
  };
  const idem = new IdempotencyKey('idem', config, b.ctx('idem'));
  const handler = idem.wrap(server);
  const answers: { at: number; outcome: Outcome }[] = [];
  /** Sends request `id` at time `at`. */
  const send = (id: number, at: number) =>
    b.kernel.at(at, () => {
      handler({ id, startedAt: at }, (outcome) => answers.push({ at: b.kernel.now(), outcome }));
    });
  return { b, idem, executions, answers, send, handler };
}

describe('idempotency key', () => {
  it.each([
    { what: 'a duplicate while the first runs waits for its answer', config: cfg(), second: 50, executions: 1, answers: [[100, OK], [100, OK]] },
    {
      what: 'a duplicate while the first runs gets 409 in reject mode',
      config: cfg({ inFlight: 'reject' }),
      second: 50,
      executions: 1,
      answers: [[50, { ok: false, error: 'rejected', by: 'idem', detail: '409 conflict: a request with this key is in flight' }], [100, OK]],
    },
    { what: 'a duplicate after the answer gets the stored answer at once', config: cfg(), second: 500, executions: 1, answers: [[100, OK], [500, OK]] },
    { what: 'a duplicate exactly at the ttl executes again', config: cfg(), second: 1100, executions: 2, answers: [[100, OK], [1200, OK]] },
    { what: 'a duplicate just before the ttl is replayed', config: cfg(), second: 1099, executions: 1, answers: [[100, OK], [1099, OK]] },
  ] as const)('$what', ({ config, second, executions, answers }) => {
    const t = bench(config);
    t.send(7, 0);
    t.send(7, second);
    t.b.kernel.runUntil(5000);
    expect(t.executions).toHaveLength(executions);
    expect(t.answers.map((a) => [a.at, a.outcome])).toEqual(answers);
  });

  it.each([
    { storeFailures: false, executions: 2, second: OK, state: 'STORED' },
    { storeFailures: true, executions: 1, second: ERR, state: 'STORED' },
  ])('a failed first answer with storeFailures $storeFailures: retry executes $executions time(s) in all', ({ storeFailures, executions, second, state }) => {
    const t = bench(cfg({ storeFailures }), [ERR]);
    t.send(7, 0);
    t.send(7, 500);
    t.b.kernel.runUntil(700);
    expect(t.executions).toHaveLength(executions);
    expect(t.answers.map((a) => a.outcome)).toEqual([ERR, second]);
    expect(t.idem.stateOf(7)).toBe(state);
  });

  it('keeps executing when the caller gives up, so the answer is there for its retry', () => {
    const t = bench(cfg());
    const cancel = t.handler({ id: 7, startedAt: 0 }, () => t.answers.push({ at: -1, outcome: OK }));
    t.b.kernel.runUntil(50);
    cancel();
    t.b.kernel.runUntil(150);
    expect([t.answers.length, t.idem.stateOf(7)]).toEqual([0, 'STORED']);
    t.send(7, 200);
    t.b.kernel.runUntil(300);
    expect(t.executions).toHaveLength(1);
    expect(t.answers).toEqual([{ at: 200, outcome: OK }]);
  });

  it("tells the story of the keys a duplicate touched, as events, and nothing of the others", () => {
    const t = bench(cfg({ ttl: 200 }));
    t.send(1, 0);
    t.send(2, 0);
    t.send(2, 50);
    t.b.kernel.runUntil(400);
    t.send(3, 400); // a later call sweeps the expired keys
    t.b.kernel.runUntil(600);
    const story = t.b.events.filter((e) => e.kind === 'event').map((e) => (e.kind === 'event' ? `${e.name} ${JSON.stringify(e.data)}` : ''));
    expect(story).toEqual([
      'waiting {"key":2,"state":"IN_FLIGHT","duplicates":1}',
      'stored {"key":2,"state":"STORED","duplicates":1,"answer":"ok"}',
      'expired {"key":2,"state":"EXPIRED","duplicates":1}',
    ]);
    expect(t.b.transitions()).toEqual([]);
    expect(t.b.metrics.counters('idem')).toMatchObject({ calls: 4, executed: 3, waited: 1, expired: 2 });
  });

  it('property: however duplicates and retries arrive, each key executes once while its answer is kept, and every caller gets that answer', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ id: fc.integer({ min: 1, max: 5 }), at: fc.integer({ min: 0, max: 2000 }) }), { maxLength: 40 }),
        fc.constantFrom<'wait' | 'reject'>('wait', 'reject'),
        (sends, inFlight) => {
          const t = bench(cfg({ ttl: 10_000, inFlight }));
          for (const s of sends) t.send(s.id, s.at);
          t.b.kernel.runUntil(5000);
          const perKey = new Map<number, number>();
          for (const e of t.executions) perKey.set(e.id, (perKey.get(e.id) ?? 0) + 1);
          for (const n of perKey.values()) expect(n).toBe(1);
          expect(t.answers).toHaveLength(sends.length);
          for (const a of t.answers) if (!(inFlight === 'reject' && !a.outcome.ok)) expect(a.outcome).toEqual(OK);
        },
      ),
    );
  });
});
