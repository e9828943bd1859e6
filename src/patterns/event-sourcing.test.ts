import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Outcome } from '../core/component.js';
import { testBench } from '../testing/harness.js';
import { EventSourcedAccounts, type EventStoreConfig } from './event-sourcing.js';

const cfg = (over: Partial<EventStoreConfig> = {}): EventStoreConfig => ({
  key: 'account',
  storage: 'events',
  opening: 100,
  amount: 10,
  snapshotEvery: 0,
  read: { dist: 'constant', value: 10 },
  perEvent: 0,
  append: { dist: 'constant', value: 5 },
  retries: 3,
  ...over,
});

function bench(config: EventStoreConfig) {
  const b = testBench();
  const accounts = new EventSourcedAccounts('accounts', config, b.ctx('accounts'));
  const answers: Outcome[] = [];
  let id = 0;
  const send = (at: number, tags: Record<string, string>) =>
    b.kernel.at(at, () => {
      accounts.handle({ id: ++id, startedAt: at, tags: { account: 'joint', ...tags } }, (o) => answers.push(o));
    });
  const counter = (name: string) => b.metrics.scope('accounts').counter(name).value;
  return { b, accounts, answers, send, counter };
}

describe('event-sourced accounts', () => {
  it.each([
    { what: 'two withdrawals at once: one conflict, the second declined on the real balance', storage: 'events', second: 0, conflicts: 1, declined: 1, lostUpdates: 0, money: 20 },
    { what: 'one after the other: no conflict', storage: 'events', second: 20, conflicts: 0, declined: 1, lostUpdates: 0, money: 20 },
    { what: 'the second reads just before the first appends (a 15 ms window): a conflict', storage: 'events', second: 14, conflicts: 1, declined: 1, lostUpdates: 0, money: 20 },
    { what: 'the second reads just after the first appended: it sees it', storage: 'events', second: 15.001, conflicts: 0, declined: 1, lostUpdates: 0, money: 20 },
    { what: 'as rows without versions, both pay out: a lost update and a negative balance', storage: 'state', second: 0, conflicts: 0, declined: 0, lostUpdates: 1, money: -60 },
  ] as const)('$what', ({ storage, second, conflicts, declined, lostUpdates, money }) => {
    const t = bench(cfg({ storage }));
    t.send(0, { op: 'withdraw', amount: '80' });
    t.send(second, { op: 'withdraw', amount: '80' });
    t.b.kernel.runUntil(1000);
    expect(t.answers).toEqual([{ ok: true }, { ok: true }]);
    expect({ conflicts: t.counter('conflicts'), declined: t.counter('declined'), lostUpdates: t.counter('lostUpdates') }).toEqual({ conflicts, declined, lostUpdates });
    expect(t.accounts.moneyOf('joint')).toBe(money);
    expect(t.counter('negativeBalances')).toBe(money < 0 ? 1 : 0);
  });

  it('a conflict is traced and turns the store CONFLICTING until a quiet second passes', () => {
    const t = bench(cfg());
    t.send(0, { op: 'deposit' });
    t.send(0, { op: 'deposit' });
    t.b.kernel.runUntil(5000);
    expect(t.b.events.find((e) => e.kind === 'event' && e.name === 'conflict')).toMatchObject({ data: { account: 'joint', expected: 0, actual: 1, attempt: 1, then: 'read again' } });
    expect(t.b.transitions('accounts').map((e) => [e.from, e.to])).toEqual([
      ['SERVING', 'CONFLICTING'],
      ['CONFLICTING', 'SERVING'],
    ]);
    expect(t.accounts.moneyOf('joint')).toBe(120);
  });

  it('without retries a conflict reaches the caller as a 409', () => {
    const t = bench(cfg({ retries: 0 }));
    t.send(0, { op: 'deposit' });
    t.send(0, { op: 'deposit' });
    t.b.kernel.runUntil(1000);
    expect(t.answers[1]).toMatchObject({ ok: false, error: 'rejected', by: 'accounts' });
    expect(t.counter('exhausted')).toBe(1);
  });

  it.each([
    { what: 'no snapshots: a load reads the whole stream', snapshotEvery: 0, eventsRead: 0 + 1 + 2 + 3 + 4 + 5 + 6 + 7 + 8 + 9 },
    { what: 'a snapshot every 4 events: at most 3 read', snapshotEvery: 4, eventsRead: 0 + 1 + 2 + 3 + 0 + 1 + 2 + 3 + 0 + 1 },
  ])('$what', ({ snapshotEvery, eventsRead }) => {
    const t = bench(cfg({ snapshotEvery }));
    for (let i = 0; i < 10; i++) t.send(i * 100, { op: 'deposit' });
    t.b.kernel.runUntil(2000);
    expect(t.counter('eventsRead')).toBe(eventsRead);
    expect(t.counter('snapshots')).toBe(snapshotEvery === 0 ? 0 : 2);
  });

  it('audits replay the stream; without history (rows) they cannot be answered', () => {
    for (const storage of ['events', 'state'] as const) {
      const t = bench(cfg({ storage }));
      for (let i = 0; i < 5; i++) t.send(i * 100, { op: 'deposit' });
      t.send(1000, { op: 'audit' });
      t.b.kernel.runUntil(2000);
      expect(t.answers.at(-1)?.ok).toBe(storage === 'events');
      expect(t.counter('unanswerable')).toBe(storage === 'events' ? 0 : 1);
    }
  });

  it('a projection rebuild reads every event, goes REBUILDING and back, and reads meanwhile load from the stream', () => {
    const t = bench(cfg({ rebuild: { at: 1000, rate: 1000 } }));
    for (let i = 0; i < 50; i++) t.send(i * 10, { op: 'deposit', account: `a${i % 5}` });
    t.send(1005, { op: 'balance', account: 'a1' });
    t.b.kernel.runUntil(3000);
    expect(t.b.transitions('accounts').map((e) => e.to)).toEqual(['REBUILDING', 'SERVING']);
    expect(t.counter('rebuildEventsRead')).toBe(50);
    expect(t.counter('replayedReads')).toBe(1);
    expect(t.accounts.projection.read('a1')).toBe(200);
  });
});

const command = fc.record({
  at: fc.nat({ max: 400 }),
  account: fc.constantFrom('a', 'b'),
  op: fc.constantFrom('deposit', 'withdraw'),
  amount: fc.integer({ min: 1, max: 120 }),
});

describe('event-sourced accounts, properties', () => {
  it('property: with versioned appends no balance ever goes negative, nothing is overwritten, and the stream is the money', () => {
    fc.assert(
      fc.property(fc.array(command, { maxLength: 60 }), fc.nat({ max: 10 }), fc.nat({ max: 5 }), (cmds, snapshotEvery, retries) => {
        const t = bench(cfg({ snapshotEvery, retries, opening: 50, read: { dist: 'constant', value: 7 }, perEvent: 0.5 }));
        for (const c of cmds) t.send(c.at, { op: c.op, amount: String(c.amount), account: c.account });
        t.b.kernel.runUntil(100_000);
        expect(t.answers).toHaveLength(cmds.length);
        expect(t.counter('negativeBalances')).toBe(0);
        expect(t.counter('lostUpdates')).toBe(0);
        for (const a of ['a', 'b']) expect(t.accounts.store.load(a).state).toBe(t.accounts.moneyOf(a));
        expect(t.counter('accepted') + t.counter('declined') + t.counter('exhausted')).toBe(cmds.length);
      }),
      { numRuns: 150, seed: 7 },
    );
  });
});
