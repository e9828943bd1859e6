import { describe, expect, it } from 'vitest';
import { faultOptions, injectionTime, manualFaultSpec, type ManualFault } from './manual.js';

describe('faults injected by hand', () => {
  it('a service is offered every service fault with its presets, described in words', () => {
    expect(faultOptions({ kind: 'service' }).map((o) => `${o.kind}: ${o.description}`)).toEqual([
      'outage: down, calls hang',
      'outage: down, refusing calls',
      'error-rate: 20% of calls fail',
      'error-rate: 50% of calls fail',
      'error-rate: 100% of calls fail',
      'latency: ×10 slower',
      'latency: +500ms',
      'stop: stopped on purpose, refusing new calls',
    ]);
  });

  it.each(['circuit-breaker', 'client', 'load', 'timeout'])('a %s is offered nothing', (kind) => {
    expect(faultOptions({ kind })).toEqual([]);
  });

  it.each([
    [0, 0.001],
    [12.3456789, 12.346],
    [19952.8041, 19952.805],
    // A whole millisecond is skipped: ticks and evenly spaced arrivals live there.
    [999.999, 1000.001],
    [1000, 1000.001],
  ])('injected at %d ms it starts at %d ms', (now, start) => {
    expect(injectionTime(now)).toBe(start);
    expect(injectionTime(now)).toBeGreaterThan(now);
    // It survives the trace's rounding to the microsecond exactly.
    expect(JSON.parse(JSON.stringify(Math.round(start * 1000) / 1000))).toBe(start);
  });

  const components = new Map([
    ['payment', { kind: 'service' }],
    ['breaker', { kind: 'circuit-breaker' }],
  ]);
  const fault = (f: Partial<ManualFault>): ManualFault => ({ id: 'manual-1', kind: 'outage', target: 'payment', params: {}, at: 100, ...f });

  it.each([
    [{ kind: 'earthquake' }, 'unknown fault kind "earthquake"'],
    [{ target: 'nobody' }, 'no component named "nobody"'],
    [{ target: 'breaker' }, 'outage cannot target breaker: only a service can take this fault'],
    [{ kind: 'error-rate', params: { rate: '150%' } }, 'error-rate on payment: 150% is out of range'],
    [{ forMs: 0 }, 'a fault lasts a positive time'],
  ])('refuses %j', (change, message) => {
    expect(manualFaultSpec(fault(change), components)).toContain(message);
  });

  it('accepts a valid one, parsing the written parameters', () => {
    expect(manualFaultSpec(fault({ kind: 'latency', params: { add: '500ms' }, forMs: 5000 }), components)).toEqual({
      id: 'manual-1',
      kind: 'latency',
      target: 'payment',
      at: 100,
      until: 5100,
      params: { add: 500 },
      description: '+500ms',
    });
  });
});
