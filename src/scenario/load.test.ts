import { describe, expect, it } from 'vitest';
import { ScenarioError, UsageError } from '../core/errors.js';
import { loadScenarioText } from './load.js';

const GOOD = `name: tiny
title: A tiny scenario
pattern: circuit-breaker
goal: Shows the loader at work.
duration: 10s
components:
  db:
    kind: service
    latency: 10ms
  cb:
    kind: circuit-breaker
    strategy: consecutive
    failureThreshold: 3
  app:
    kind: client
    calls: db
    via: [cb]
  users:
    kind: load
    target: app
    rate: 10/s
faults:
  - id: down
    kind: outage
    target: db
    at: 2s
    for: 3s
expect:
  - says: the breaker opens
    reaches: { component: cb, state: OPEN, after: down.start, within: 2s }
  - says: few calls reach the db while it is down
    metric: db.calls
    during: down
    atMost: 10
knobs: [cb.failureThreshold, cb.openFor]
baseline:
  remove: [cb]
  components:
    app: { via: [] }
`;

function problemOf(text: string): string {
  try {
    loadScenarioText('s.yaml', text);
  } catch (error) {
    if (error instanceof ScenarioError) return [error.message, ...error.details].join('\n');
    throw error;
  }
  return 'no error';
}

describe('scenario loader', () => {
  it('loads a good file', () => {
    const s = loadScenarioText('s.yaml', GOOD);
    expect(s.name).toBe('tiny');
    expect(s.faults[0]).toMatchObject({ id: 'down', at: 2000, until: 5000 });
    expect(s.components.map((c) => c.name)).toEqual(['db', 'cb', 'app', 'users']);
  });

  it.each([
    ['a misspelt field', ['failureThreshold: 3', 'failureTreshold: 3'], 's.yaml:13:5: components.cb.failureTreshold: unknown field "failureTreshold" (did you mean "failureThreshold"?)'],
    ['a duration without unit', ['for: 3s', 'for: 3'], 's.yaml:27:10: faults[0].for: a duration needs a unit: write 3ms or 3s'],
    ['a malformed duration', ['latency: 10ms', 'latency: ten'], 's.yaml:9:14: components.db.latency: expected a duration like 250ms, 10s or 2m, got the text "ten"'],
    ['a negative count', ['failureThreshold: 3', 'failureThreshold: -3'], 's.yaml:13:23: components.cb.failureThreshold: out of range: expected between 1 and 100000'],
    ['an unknown kind', ['kind: outage', 'kind: outtage'], 's.yaml:24:11: faults[0].kind: unknown fault kind "outtage" (did you mean "outage"?)'],
    ['an unknown component kind', ['kind: service', 'kind: servce'], 's.yaml:8:11: components.db.kind: unknown component kind "servce" (did you mean "service"?)'],
    ['a missing required field', ['title: A tiny scenario\n', ''], 's.yaml:1:1: missing required field "title"'],
    ['a misspelt top-level field', ['duration: 10s', 'duraton: 10s'], 's.yaml:5:1: duraton: unknown field "duraton" (did you mean "duration"?)'],
    ['a reference to nothing', ['calls: db', 'calls: dbb'], 's.yaml:16:12: components.app.calls: no component named "dbb" (did you mean "db"?)'],
    ['a policy that is not a policy', ['via: [cb]', 'via: [db]'], 's.yaml:17:11: components.app.via[0]: "db" is a service, but via needs a policy'],
    ['an unknown state', ['state: OPEN', 'state: OPENED'], 's.yaml:30:38: expect[0].reaches.state: cb (circuit-breaker) has no state "OPENED"; its states: CLOSED, OPEN, HALF_OPEN (did you mean "OPEN"?)'],
    ['an unknown fault in a time', ['after: down.start', 'after: dwn.start'], 's.yaml:30:51: expect[0].reaches.after: no fault with id "dwn" (did you mean "down"?)'],
    ['an unknown metric', ['metric: db.calls', 'metric: db.cals'], 's.yaml:32:13: expect[1].metric: db (service) has no metric "cals" (did you mean "calls"?)'],
    ['a histogram without a statistic', ['metric: db.calls', 'metric: db.latency'], 's.yaml:32:13: expect[1].metric: latency is a distribution: name a statistic'],
    ['a wrong bound unit', ['atMost: 10', 'atMost: 10%'], 's.yaml:34:13: expect[1].atMost: db.calls is a count: write a number; got "10%"'],
    ['an unknown knob', ['cb.openFor]', 'cb.openFr]'], 's.yaml:35:30: knobs[1]: circuit-breaker has no knob "openFr" (did you mean "openFor"?)'],
    ['a non-finite value', ['rate: 10/s', 'rate: .inf'], 's.yaml:21:11: components.users.rate: expected a rate like 50/s or 300/m, got Infinity'],
    ['an absurd rate', ['rate: 10/s', 'rate: 1000000/s'], 's.yaml:21:11: components.users.rate: 1000000/s is out of range: expected between 0/s and 100000/s'],
    ['a fault after the end', ['at: 2s', 'at: 20s'], 's.yaml:26:9: faults[0].at: starts at 20s, after the run ends (10s)'],
    ['two kinds of expectation in one', ['    metric: db.calls\n', '    metric: db.calls\n    final: { component: cb, state: OPEN }\n'], 'use one of reaches, final or metric per expectation'],
    ['a cycle', ['calls: db', 'calls: app'], 'calls go round in a circle: app → app'],
    ['a YAML syntax error', ['via: [cb]', 'via: [cb'], 's.yaml:18:3:'],
    ['a broken baseline', ['app: { via: [] }', 'app: { via: [cb] }'], 's.yaml:39:18: baseline.components.app.via[0]: in the baseline: "cb" was removed in this variant but app still refers to it'],
    ['an empty file', ['', ''], 'no error'],
  ])('%s', (_name, [from, to], message) => {
    const text = from === '' && to === '' ? '' : GOOD.replace(from!, to!);
    if (text !== '') expect(text).not.toBe(GOOD);
    const got = text === '' ? problemOf('') : problemOf(text);
    if (text === '') expect(got).toMatch(/the file is empty/);
    else expect(got).toContain(message);
  });

  it('refuses more calls than a run can simulate, with a hint', () => {
    const got = problemOf(GOOD.replace('rate: 10/s', 'rate: 100000/s').replace('duration: 10s', 'duration: 10m'));
    expect(got).toBe(
      's.yaml:21:11: components.users.rate: 60,000,000 calls over 10m is more than a run can simulate (limit 10,000,000) (lower the rate or shorten the duration)',
    );
  });

  it('reports every problem, each with its place', () => {
    const got = problemOf(GOOD.replace('failureThreshold: 3', 'failureThreshold: 0').replace('rate: 10/s', 'rate: fast'));
    expect(got.split('\n')).toHaveLength(2);
  });

  it('--set overrides a declared knob and re-validates it', () => {
    const s = loadScenarioText('s.yaml', GOOD, { set: ['cb.openFor=10s'] });
    expect((s.components.find((c) => c.name === 'cb')!.config as { openFor: number }).openFor).toBe(10_000);
    expect(() => loadScenarioText('s.yaml', GOOD, { set: ['cb.failureThreshold=0'] })).toThrow(/--set cb.failureThreshold=0: out of range/);
  });

  it('--set of an undeclared knob lists the valid ones', () => {
    try {
      loadScenarioText('s.yaml', GOOD, { set: ['cb.probes=2'] });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(UsageError);
      const e = error as UsageError;
      expect(e.message).toBe('--set cb.probes=2: tiny has no knob "cb.probes"');
      expect(e.details.join('\n')).toContain('cb.failureThreshold=3');
      expect(e.details.join('\n')).toContain('cb.openFor=5s');
    }
  });

  it('runs the baseline variant with expectations about removed parts skipped', () => {
    const s = loadScenarioText('s.yaml', GOOD, { baseline: true });
    expect(s.variant).toBe('baseline');
    expect(s.components.map((c) => c.name)).toEqual(['db', 'app', 'users']);
    expect(s.expectations.map((e) => e.type)).toEqual(['skipped', 'metric']);
  });

  it('runs a named variant, and says which exist when asked for another', () => {
    const text = GOOD + `variants:\n  strict:\n    title: a trigger-happy breaker\n    components:\n      cb: { failureThreshold: 1 }\n`;
    const s = loadScenarioText('s.yaml', text, { variant: 'strict' });
    expect(s.variant).toBe('strict');
    expect(s.variantTitle).toBe('a trigger-happy breaker');
    expect((s.components.find((c) => c.name === 'cb')!.config as { failureThreshold: number }).failureThreshold).toBe(1);
    expect(loadScenarioText('s.yaml', text).variants.map((v) => v.name)).toEqual(['baseline', 'strict']);
    expect(() => loadScenarioText('s.yaml', text, { variant: 'lax' })).toThrow('tiny has no variant "lax"');
    expect(problemOf(GOOD + `variants:\n  strict:\n    components:\n      cb: { failureThreshold: 0 }\n`)).toContain(
      'variants.strict.components.cb.failureThreshold: in variant strict: out of range',
    );
  });

  it('a field set to null in a variant is taken away, back to its default', () => {
    const text = GOOD + `variants:\n  plain:\n    components:\n      app: { link: 5ms }\n  again:\n    components:\n      app: { link: null }\n`;
    const linkOf = (variant: string) => (loadScenarioText('s.yaml', text.replace('via: [cb]\n', 'via: [cb]\n    link: 2ms\n'), { variant }).components.find((c) => c.name === 'app')!.config as { link: number }).link;
    expect([linkOf('main'), linkOf('plain'), linkOf('again')]).toEqual([2, 5, 0]);
  });

  it('--duration and --seed override the file', () => {
    const s = loadScenarioText('s.yaml', GOOD, { duration: '30s', seed: 99 });
    expect([s.duration, s.seed]).toEqual([30_000, 99]);
    expect(() => loadScenarioText('s.yaml', GOOD, { duration: 'forever' })).toThrow(/--duration forever: expected a duration/);
  });
});
