import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ReplicationLog } from './replication-log.js';

function logOf(keys: string[]): ReplicationLog {
  const log = new ReplicationLog();
  keys.forEach((k, i) => log.append(k, i * 10));
  return log;
}

describe('replication log', () => {
  it.each([
    { what: 'a key never written', key: 'z', upTo: 5, value: 0, missed: undefined },
    { what: 'a node with nothing applied misses the first write', key: 'a', upTo: 0, value: 0, missed: 1 },
    { what: 'exactly at a write: it has it', key: 'a', upTo: 3, value: 3, missed: 5 },
    { what: 'one short of a write: the previous one', key: 'a', upTo: 4, value: 3, missed: 5 },
    { what: 'the whole log: the newest, nothing missed', key: 'a', upTo: 5, value: 5, missed: undefined },
  ])('$what', ({ key, upTo, value, missed }) => {
    const log = logOf(['a', 'b', 'a', 'b', 'a']);
    expect(log.valueAt(key, upTo)).toBe(value);
    expect(log.firstMissed(key, upTo)?.id).toBe(missed);
  });

  it('truncation drops the tail, and a position handed out again is a different write', () => {
    const log = logOf(['a', 'b', 'a', 'b', 'a']);
    const dropped = log.truncate(3);
    expect(dropped.map((e) => e.id)).toEqual([4, 5]);
    expect(log.latest('a')).toBe(3);
    expect(log.latest('b')).toBe(2);
    const { position, entry } = log.append('b', 100);
    expect(position).toBe(4);
    expect(entry.id).toBe(6);
    expect(log.holds(4, 4)).toBe(false);
    expect(log.holds(4, 6)).toBe(true);
  });

  it('property: a prefix’s value of a key is the newest write to it in that prefix, after any truncations', () => {
    const op = fc.oneof(fc.record({ append: fc.constantFrom('a', 'b', 'c') }), fc.record({ truncateBack: fc.nat({ max: 4 }) }));
    fc.assert(
      fc.property(fc.array(op, { maxLength: 80 }), fc.nat({ max: 80 }), (ops, upTo) => {
        const log = new ReplicationLog();
        const model: string[] = [];
        for (const o of ops) {
          if ('append' in o) {
            log.append(o.append, model.length);
            model.push(o.append);
          } else {
            const to = Math.max(0, model.length - o.truncateBack);
            log.truncate(to);
            model.length = to;
          }
        }
        for (const key of ['a', 'b', 'c']) {
          const prefix = model.slice(0, upTo);
          expect(log.valueAt(key, upTo)).toBe(prefix.lastIndexOf(key) + 1);
          const next = model.findIndex((k, i) => i >= upTo && k === key);
          expect(log.firstMissed(key, upTo) === undefined).toBe(next < 0);
        }
      }),
      { numRuns: 200, seed: 8 },
    );
  });
});
