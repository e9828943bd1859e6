import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Kernel } from '../core/kernel.js';
import { testBench } from '../testing/harness.js';
import { FencedStore } from './fenced-store.js';
import { LeaderElection, type ElectionConfig } from './leader-election.js';
import { LeaseStore } from './lease.js';

const defaults: ElectionConfig = { candidates: 3, ttl: 3000, renewEvery: 1000, watchEvery: 500, writeEvery: 200, latency: 5, fencing: true };

function election(cfg: Partial<ElectionConfig> = {}, seed = 1) {
  const b = testBench();
  const e = new LeaderElection('election', { ...defaults, ...cfg }, b.ctx('election', seed));
  const counters = () => b.metrics.counters('election');
  const leaders = () => e.candidates.filter((c) => c.state === 'LEADER').map((c) => c.name);
  return { b, e, counters, leaders };
}

describe('lease store', () => {
  it.each([
    ['free: the first asker gets term 1', [['acquire', 'a', 0]], [true, 1]],
    ['held: another is refused', [['acquire', 'a', 0], ['acquire', 'b', 100]], [false, 1]],
    ['exactly at the ttl it is free again: a new term', [['acquire', 'a', 0], ['acquire', 'b', 1000]], [true, 2]],
    ['one ms before the ttl it is still held', [['acquire', 'a', 0], ['acquire', 'b', 999]], [false, 1]],
    ['a renewal moves the deadline', [['acquire', 'a', 0], ['renew', 'a', 900], ['acquire', 'b', 1500]], [false, 1]],
    ['a renewal after the ttl is refused', [['acquire', 'a', 0], ['renew', 'a', 1000]], [false, 1]],
    ['a renewal by someone else is refused', [['acquire', 'a', 0], ['renew', 'b', 10]], [false, 1]],
    ['a release frees it at once', [['acquire', 'a', 0], ['release', 'a', 10], ['acquire', 'b', 20]], [true, 2]],
    ['the holder asking again keeps its term', [['acquire', 'a', 0], ['acquire', 'a', 500]], [true, 1]],
  ] as const)('%s', (_name, ops, [ok, token]) => {
    const k = new Kernel();
    const lease = new LeaseStore(1000, k);
    let last: { ok: boolean } | undefined;
    for (const [op, who, at] of ops) {
      k.runUntil(at);
      if (op === 'acquire') last = lease.acquire(who);
      else if (op === 'renew') last = lease.renew(who, lease.lastToken);
      else lease.release(who, lease.lastToken);
    }
    expect([last?.ok, lease.lastToken]).toEqual([ok, token]);
  });

  it('property: at any moment at most one holder, and each term is granted to one candidate only', () => {
    const op = fc.record({ gap: fc.integer({ min: 0, max: 400 }), who: fc.constantFrom('a', 'b', 'c'), what: fc.constantFrom('acquire', 'renew', 'release') });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 200 }), (ops) => {
        const k = new Kernel();
        const lease = new LeaseStore(1000, k);
        const holderOf = new Map<number, string>();
        const mine = new Map<string, number>();
        let t = 0;
        for (const o of ops) {
          k.runUntil((t += o.gap));
          const token = mine.get(o.who) ?? 0;
          const answer = o.what === 'acquire' ? lease.acquire(o.who) : o.what === 'renew' ? lease.renew(o.who, token) : (lease.release(o.who, token), undefined);
          if (answer?.ok) {
            expect(holderOf.get(answer.token) ?? o.who).toBe(o.who);
            holderOf.set(answer.token, o.who);
            mine.set(o.who, answer.token);
            // Nobody else holds a valid lease right now.
            expect(lease.current()?.holder).toBe(o.who);
          }
        }
        // Tokens are handed out 1, 2, 3... with none skipped or reused.
        expect([...holderOf.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: lease.lastToken }, (_, i) => i + 1));
      }),
    );
  });
});

describe('fenced store', () => {
  it.each([
    ['fencing: an older token after a newer one is refused', true, [['a', 1], ['b', 2], ['a', 1]], { accepted: 2, rejected: 1, stale: 0, splitTerms: 0 }],
    ['no fencing: it is accepted, stale, and the term has two writers', false, [['a', 1], ['b', 2], ['a', 1]], { accepted: 3, rejected: 0, stale: 1, splitTerms: 1 }],
    ['an old token before the new one has written is in order', false, [['a', 1], ['a', 1], ['b', 2]], { accepted: 3, rejected: 0, stale: 0, splitTerms: 0 }],
    ['the same token again is fine', true, [['a', 3], ['a', 3]], { accepted: 2, rejected: 0, stale: 0, splitTerms: 0 }],
  ] as const)('%s', (_name, fencing, writes, tally) => {
    const store = new FencedStore(fencing);
    for (const [who, token] of writes) store.write(who, token);
    expect(store.tally).toMatchObject(tally);
  });

  it('fencing counts reads: a holder that read with a newer token fences off the older writer', () => {
    const store = new FencedStore(true);
    const seenByA = store.read(1)!;
    store.read(2);
    expect(store.write('a', 1, seenByA)).toBe('rejected');
    expect(store.read(1)).toBeUndefined();
  });

  it('property: with fencing the accepted tokens never go down, and no term has two writers', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ token: fc.integer({ min: 1, max: 6 }), read: fc.boolean() }), { maxLength: 100 }), (ops) => {
        const store = new FencedStore(true);
        const accepted: number[] = [];
        for (const o of ops) {
          // A token is granted to one holder only (the lease store's property above).
          if (o.read) store.read(o.token);
          else if (store.write(`holder-of-${o.token}`, o.token) === 'accepted') accepted.push(o.token);
        }
        expect(accepted).toEqual([...accepted].sort((a, b) => a - b));
        expect(store.tally).toMatchObject({ stale: 0, splitTerms: 0, accepted: accepted.length });
      }),
    );
  });
});

describe('leader election', () => {
  it('elects one leader at the start, which renews and keeps writing', () => {
    const { b, e, counters, leaders } = election();
    b.kernel.runUntil(10_000);
    expect(leaders()).toHaveLength(1);
    expect(e.state()).toBe('ONE_LEADER');
    expect(counters()).toMatchObject({ elections: 1, stepDowns: 0, rejected: 0, staleAccepted: 0 });
    expect(counters()['renewals']).toBeGreaterThanOrEqual(9);
    expect(counters()['accepted']).toBeGreaterThanOrEqual(45);
  });

  it('a single candidate leads alone', () => {
    const { b, leaders } = election({ candidates: 1 });
    b.kernel.runUntil(2000);
    expect(leaders()).toEqual(['node-1']);
  });

  it.each([
    ['pause', 'with fencing', true, { staleAccepted: 0, splitTerms: 0 }],
    ['pause', 'without fencing', false, { staleAccepted: 1, splitTerms: 1, rejected: 0 }],
    ['partition', 'with fencing', true, { staleAccepted: 0, splitTerms: 0 }],
    ['partition', 'without fencing', false, { splitTerms: 1, rejected: 0 }],
  ] as const)('a %s longer than the ttl: another takes over; the old leader writes late (%s)', (fault, _label, fencing, expected) => {
    const { b, e, counters, leaders } = election({ fencing });
    b.kernel.runUntil(5000);
    const old = leaders()[0]!;
    const undo = fault === 'pause' ? e.pause('test') : e.partition('test');
    b.kernel.runUntil(9000);
    // The old leader still believes it leads (paused), or has stepped down by its own clock (cut off).
    expect(leaders().filter((n) => n !== old)).toHaveLength(1);
    if (fault === 'pause') expect(e.state()).toBe('SPLIT_BRAIN');
    undo();
    b.kernel.runUntil(12_000);
    expect(leaders()).toHaveLength(1);
    expect(leaders()).not.toContain(old);
    expect(counters()).toMatchObject({ elections: 2, ...expected });
    if (fencing) expect(counters()['rejected']).toBeGreaterThanOrEqual(1);
    else expect(counters()['staleAccepted']).toBeGreaterThanOrEqual(1);
    // Each such write is traced, by the old leader's name and term: fenced, or let in.
    const verdicts = b.events.flatMap((ev) => (ev.kind === 'event' && (ev.name === 'fenced' || ev.name === 'stale-write') ? [ev] : []));
    expect(verdicts.length).toBe(fencing ? counters()['rejected'] : counters()['staleAccepted']);
    expect(new Set(verdicts.map((ev) => `${ev.name} ${ev.data?.['writer']}`))).toEqual(new Set([`${fencing ? 'fenced' : 'stale-write'} ${old}`]));
  });

  it('a fence in place of the built-in check decides every write, whatever `fencing` says', () => {
    const asked: [string, number][] = [];
    const b = testBench();
    const e = new LeaderElection('election', { ...defaults, fencing: true }, b.ctx('election', 1), { admits: (writer, token) => (asked.push([writer, token]), false) });
    b.kernel.runUntil(3000);
    expect(asked.length).toBeGreaterThan(5);
    expect(b.metrics.counters('election')).toMatchObject({ accepted: 0, rejected: asked.length });
    expect(e.storage.tally.rejected).toBe(asked.length);
  });

  it('a pause shorter than the time left on the lease changes nothing', () => {
    const { b, e, counters } = election();
    b.kernel.runUntil(5000);
    const undo = e.pause('test');
    b.kernel.runUntil(5500);
    undo();
    b.kernel.runUntil(8000);
    expect(counters()).toMatchObject({ elections: 1, stepDowns: 0, rejected: 0, staleAccepted: 0 });
  });

  it('property: whatever pauses and partitions, with fencing each term has one writer and no stale write is accepted', () => {
    const fault = fc.record({ kind: fc.constantFrom('pause', 'partition'), at: fc.integer({ min: 0, max: 20_000 }), length: fc.integer({ min: 1, max: 8000 }) });
    fc.assert(
      fc.property(fc.array(fault, { maxLength: 4 }), fc.integer({ min: 1, max: 1000 }), (faults, seed) => {
        const { b, e, counters } = election({}, seed);
        for (const f of faults) {
          b.kernel.setTimer(f.at, () => {
            const undo = f.kind === 'pause' ? e.pause('p') : e.partition('p');
            b.kernel.setTimer(f.length, undo);
          });
        }
        b.kernel.runUntil(40_000);
        // The lease store never grants a term twice: terms counted = elections.
        expect(e.lease.lastToken).toBe(counters()['elections']);
        expect(counters()).toMatchObject({ staleAccepted: 0, splitTerms: 0 });
      }),
      { numRuns: 60 },
    );
  });
});
