import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BalanceProjection } from './event-projection.js';
import { EventStore } from './event-store.js';

/** Appends `deltas` to stream `a`, one per 10 ms from t = 10, each expecting the version before it. */
function filled(deltas: number[], snapshotEvery = 0): EventStore {
  const s = new EventStore(snapshotEvery);
  deltas.forEach((d, i) => s.append('a', i, d, (i + 1) * 10));
  return s;
}

describe('event store', () => {
  it.each([
    { what: 'the first append expects version 0', versions: [], expected: 0, result: { ok: true, version: 1, snapshot: false } },
    { what: 'an append with the version read goes through', versions: [1, 1], expected: 2, result: { ok: true, version: 3, snapshot: false } },
    { what: 'an append with a stale version is a conflict', versions: [1, 1], expected: 1, result: { ok: false, expected: 1, actual: 2 } },
    { what: 'an append expecting a version not reached yet is a conflict too', versions: [1], expected: 3, result: { ok: false, expected: 3, actual: 1 } },
  ])('$what', ({ versions, expected, result }) => {
    const s = filled(versions);
    expect(s.append('a', expected, 5, 100)).toEqual(result);
  });

  it('a conflict leaves the stream as it was', () => {
    const s = filled([10, 20]);
    s.append('a', 1, -100, 50);
    expect(s.version('a')).toBe(2);
    expect(s.load('a')).toEqual({ state: 30, version: 2, eventsRead: 2, snapshot: 0 });
  });

  it.each([
    { what: 'no snapshots: every event is read', every: 0, events: 7, load: { state: 7, version: 7, eventsRead: 7, snapshot: 0 } },
    { what: 'a snapshot exactly at the last event: nothing to read after it', every: 7, events: 7, load: { state: 7, version: 7, eventsRead: 0, snapshot: 7 } },
    { what: 'one event past a snapshot', every: 3, events: 7, load: { state: 7, version: 7, eventsRead: 1, snapshot: 6 } },
    { what: 'one event short of the first snapshot', every: 8, events: 7, load: { state: 7, version: 7, eventsRead: 7, snapshot: 0 } },
  ])('$what', ({ every, events, load }) => {
    expect(filled(Array<number>(events).fill(1), every).load('a')).toEqual(load);
  });

  it.each([
    { what: 'before the first event: the opening state', t: 5, replay: { state: 0, version: 0, eventsRead: 0, snapshot: 0 } },
    { what: 'exactly at an event: it counts', t: 30, replay: { state: 3, version: 3, eventsRead: 1, snapshot: 2 } },
    { what: 'just before it: it does not', t: 29.9, replay: { state: 2, version: 2, eventsRead: 0, snapshot: 2 } },
    { what: 'after the last event: the current state', t: 1000, replay: { state: 5, version: 5, eventsRead: 1, snapshot: 4 } },
  ])('replay to a time, $what', ({ t, replay }) => {
    expect(filled([1, 1, 1, 1, 1], 2).replayAt('a', t)).toEqual(replay);
  });

  it('replay without snapshots reads from the first event, to the same state', () => {
    const s = filled([5, -2, 7, 1, -4], 2);
    expect(s.replayAt('a', 45, false)).toEqual({ state: 11, version: 4, eventsRead: 4, snapshot: 0 });
    expect(s.replayAt('a', 45).state).toBe(11);
  });

  it('an unknown stream is at version 0 with the opening state', () => {
    expect(new EventStore(5, 100).load('nobody')).toEqual({ state: 100, version: 0, eventsRead: 0, snapshot: 0 });
  });
});

/** Appends from several writers who each read a version and append later: some conflict. */
const history = fc.array(
  fc.record({ stream: fc.constantFrom('a', 'b', 'c'), delta: fc.integer({ min: -50, max: 50 }), stale: fc.nat({ max: 2 }), gap: fc.nat({ max: 20 }) }),
  { maxLength: 120 },
);

describe('event store properties', () => {
  it('property: versions go up by exactly one per accepted append per stream, and only an append naming the current version is accepted', () => {
    fc.assert(
      fc.property(history, fc.nat({ max: 10 }), (ops, every) => {
        const s = new EventStore(every);
        const last = new Map<string, number>();
        let t = 0;
        for (const op of ops) {
          t += op.gap;
          const current = s.version(op.stream);
          const expected = Math.max(0, current - op.stale);
          const r = s.append(op.stream, expected, op.delta, t);
          expect(r.ok).toBe(op.stale === 0 || current === 0);
          if (r.ok) {
            expect(r.version).toBe((last.get(op.stream) ?? 0) + 1);
            last.set(op.stream, r.version);
          }
        }
        // The global log holds every stream's events with their versions in order.
        for (const stream of ['a', 'b', 'c']) {
          const versions = s.log.filter((e) => e.stream === stream).map((e) => e.version);
          expect(versions).toEqual(versions.map((_, i) => i + 1));
        }
      }),
      { numRuns: 200, seed: 3 },
    );
  });

  it('property: replay(t) equals the fold of the events appended by t, with or without snapshots, and snapshots bound what is read', () => {
    fc.assert(
      fc.property(history, fc.integer({ min: 1, max: 10 }), fc.nat({ max: 2500 }), (ops, every, t) => {
        const s = new EventStore(every, 100);
        let now = 0;
        for (const op of ops) {
          now += op.gap;
          s.append(op.stream, s.version(op.stream), op.delta, now);
        }
        for (const stream of ['a', 'b', 'c']) {
          const byThen = s.log.filter((e) => e.stream === stream && e.at <= t);
          const fold = byThen.reduce((sum, e) => sum + e.delta, 100);
          const fast = s.replayAt(stream, t);
          const slow = s.replayAt(stream, t, false);
          expect(fast.state).toBe(fold);
          expect(slow.state).toBe(fold);
          expect(fast.version).toBe(byThen.length);
          expect(slow.eventsRead).toBe(byThen.length);
          expect(fast.eventsRead).toBeLessThan(every);
        }
      }),
      { numRuns: 200, seed: 4 },
    );
  });

  it('property: a projection rebuilt from the log, in any steps and with appends during the rebuild, equals one that followed every append', () => {
    fc.assert(
      fc.property(history, fc.array(fc.integer({ min: 1, max: 30 }), { minLength: 1, maxLength: 10 }), fc.nat({ max: 120 }), (ops, steps, rebuildAfter) => {
        const s = new EventStore(0, 10);
        const rebuilt = new BalanceProjection(s, 10);
        const live = new Map<string, number>();
        let step = 0;
        ops.forEach((op, i) => {
          if (i === rebuildAfter) rebuilt.startRebuild();
          if (rebuilt.isRebuilding) rebuilt.rebuildStep(steps[step++ % steps.length]!);
          if (s.append(op.stream, s.version(op.stream), op.delta, i).ok) live.set(op.stream, (live.get(op.stream) ?? 10) + op.delta);
          rebuilt.follow();
        });
        while (rebuilt.isRebuilding) rebuilt.rebuildStep(7);
        for (const stream of ['a', 'b', 'c', 'd']) expect(rebuilt.read(stream)).toBe(live.get(stream) ?? 10);
      }),
      { numRuns: 200, seed: 5 },
    );
  });
});
