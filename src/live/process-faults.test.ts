import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { parseProcessFault } from './process-faults.js';

describe('--process-fault', () => {
  it.each([
    ['crash:charger@10s', { kind: 'crash', target: 'charger', at: 10_000 }],
    ['crash:charger@10s+3s', { kind: 'crash', target: 'charger', at: 10_000, forMs: 3000 }],
    ['restart:charger@500ms', { kind: 'restart', target: 'charger', at: 500 }],
    ['pause:charger@5s+2s', { kind: 'pause', target: 'charger', at: 5000, forMs: 2000 }],
    ['net-down:checkouts@1s+1s', { kind: 'net-down', target: 'checkouts', at: 1000, forMs: 1000 }],
    ['net-reset:checkouts@1s', { kind: 'net-reset', target: 'checkouts', at: 1000 }],
    ['latency=200ms:charger@5s+10s', { kind: 'latency', target: 'charger', at: 5000, forMs: 10_000, latencyMs: 200 }],
  ])('%s', (text, expected) => {
    expect(parseProcessFault(text, 0)).toMatchObject({ ...expected, id: 'process-1', text });
  });

  it.each([
    ['not understood', 'crash-charger'],
    ['unknown kind', 'explode:charger@1s'],
    ['is not a time', 'crash:charger@soon'],
    ['needs +FOR', 'pause:charger@1s'],
    ['needs +FOR', 'net-down:charger@1s'],
    ['latency needs a value', 'latency:charger@1s+1s'],
    ['takes no value', 'crash=1s:charger@1s'],
  ])('refuses with "%s": %s', (message, text) => {
    expect(() => parseProcessFault(text, 0)).toThrow(UsageError);
    expect(() => parseProcessFault(text, 0)).toThrow(message);
  });
});
