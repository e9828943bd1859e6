import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Service } from '../components/service.js';
import { testBench } from '../testing/harness.js';
import { ServiceDiscovery } from './service-discovery.js';

function bench(heartbeat = 100, ttl = 300, names = ['api-1', 'api-2']) {
  const b = testBench();
  const services = names.map((n) => new Service(n, { latency: { dist: 'constant', value: 10 }, errorRate: 0, queue: 1000 }, b.ctx(n)));
  const registry = new ServiceDiscovery('registry', { heartbeat, ttl }, services, b.ctx('registry'));
  return { b, services, registry, log: () => b.transitions('registry/api-1').map((t) => `${Math.round(t.t)} ${t.from}>${t.to}`) };
}

describe('service discovery', () => {
  it('keeps live instances registered for as long as they heartbeat', () => {
    const { b, registry } = bench();
    b.kernel.runUntil(10_000);
    expect([registry.state(), registry.stateOf('api-1'), b.transitions().length]).toEqual(['COMPLETE', 'REGISTERED', 0]);
    expect(b.metrics.counters('registry')['heartbeats']).toBeGreaterThanOrEqual(2 * 99);
  });

  it.each(['fail', 'hang'] as const)('a crash (%s) stops the heartbeats: the lease expires within ttl of the last beat', (mode) => {
    const { b, services, registry } = bench();
    b.kernel.runUntil(1000);
    services[0]!.impose({ down: mode }, 'fault crash');
    b.kernel.runUntil(1200);
    expect(registry.stateOf('api-1')).toBe('REGISTERED');
    b.kernel.runUntil(1300);
    expect(registry.stateOf('api-1')).toBe('EXPIRED');
    const expiry = b.transitions('registry/api-1')[0]!;
    expect(expiry.t).toBeGreaterThan(1200);
    expect(expiry.cause).toBe('no heartbeat for 300ms (ttl)');
    expect(registry.state()).toBe('PARTIAL');
    expect(registry.admits('api-1')).toBe(false);
    expect(registry.admits('never-registered')).toBe(false);
  });

  it('a crashed instance that comes back registers again with its next heartbeat', () => {
    const { b, services, registry, log } = bench();
    const undo = services[0]!.impose({ down: 'fail' }, 'fault crash');
    b.kernel.runUntil(1000);
    undo();
    b.kernel.runUntil(1100);
    expect(registry.stateOf('api-1')).toBe('REGISTERED');
    expect(log()).toHaveLength(2);
    expect(b.transitions('registry/api-1')[1]!.cause).toMatch(/^heartbeat again after/);
  });

  it('a planned stop deregisters at once, and the restart registers at once', () => {
    const { b, services, registry, log } = bench();
    b.kernel.runUntil(500);
    const undo = services[0]!.impose({ down: 'stop' }, 'fault deploy');
    expect(registry.stateOf('api-1')).toBe('DEREGISTERED');
    b.kernel.runUntil(2000);
    undo();
    expect(registry.stateOf('api-1')).toBe('REGISTERED');
    expect(log()).toEqual(['500 REGISTERED>DEREGISTERED', '2000 DEREGISTERED>REGISTERED']);
  });

  it('with every instance gone it is EMPTY', () => {
    const { b, services, registry } = bench();
    for (const s of services) s.impose({ down: 'stop' }, 'fault');
    expect(registry.state()).toBe('EMPTY');
    expect(b.transitions('registry').map((t) => t.to)).toEqual(['PARTIAL', 'EMPTY']);
  });

  it('property: an instance is registered exactly when it has heartbeated within the ttl (or stopped and restarted since)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ down: fc.boolean(), for: fc.integer({ min: 1, max: 800 }) }), { minLength: 1, maxLength: 30 }),
        fc.integer({ min: 20, max: 200 }),
        fc.integer({ min: 2, max: 5 }),
        (phases, heartbeat, ttlInBeats) => {
          const ttl = heartbeat * ttlInBeats;
          const { b, services, registry } = bench(heartbeat, ttl, ['api-1']);
          let undo: (() => void) | undefined;
          let downSince: number | undefined;
          let upSince = 0;
          let registeredWhenDown = true;
          for (const phase of phases) {
            if (phase.down && !undo) {
              // The lease runs from the last heartbeat, which is within a beat of going down only
              // if the instance was up for at least a beat (or since the start, registered at 0).
              const beatRecently = upSince === 0 || b.kernel.now() - upSince >= heartbeat;
              registeredWhenDown = registry.stateOf('api-1') === 'REGISTERED' && beatRecently;
              undo = services[0]!.impose({ down: 'fail' }, 'fault');
              downSince = b.kernel.now();
            } else if (!phase.down && undo) {
              undo();
              undo = undefined;
              downSince = undefined;
              upSince = b.kernel.now();
            }
            b.kernel.runUntil(b.kernel.now() + phase.for);
            const now = b.kernel.now();
            const state = registry.stateOf('api-1');
            // Down longer than ttl + a beat: certainly expired. Down shorter than ttl - a beat: the lease still holds.
            if (downSince !== undefined && now - downSince > ttl + heartbeat) expect(state).toBe('EXPIRED');
            if (downSince !== undefined && now - downSince < ttl - heartbeat && registeredWhenDown) expect(state).toBe('REGISTERED');
            // Up longer than a beat: registered again.
            if (downSince === undefined && now - upSince > heartbeat) expect(state).toBe('REGISTERED');
          }
        },
      ),
      { numRuns: 60 },
    );
  });
});
