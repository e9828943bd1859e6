import { describe, expect, it } from 'vitest';
import { runMessaging } from '../testing/messaging.js';

const system = (producer: string, broker = '') => `  broker:
    kind: broker
${broker}    queues: { q: {} }
  p:
    kind: producer
    broker: broker
    queue: q
${producer}
  c: { kind: consumer, broker: broker, queue: q, work: 5ms }
  users: { kind: load, target: p, rate: 20/s, arrivals: uniform }`;

const outage = `  - { kind: broker-unavailable, target: broker, at: 2s, for: 3s }`;
const outageAndCrash = `${outage}
  - { kind: crash, target: p, at: 4s, for: 1s }`;

describe('producer', () => {
  it.each([
    { onUnavailable: 'fail', faults: outage, failed: [50, 70], lost: 0 },
    { onUnavailable: 'retry', faults: outage, failed: [40, 70], lost: 0 },
    { onUnavailable: 'buffer', faults: outage, failed: [0, 0], lost: 0 },
    { onUnavailable: 'buffer', faults: outageAndCrash, failed: [15, 25], lost: [30, 50] },
  ])('broker down 3s, onUnavailable $onUnavailable: $failed failed calls, $lost lost', async ({ onUnavailable, faults, failed, lost }) => {
    const r = await runMessaging(system(`    onUnavailable: ${onUnavailable}\n    retry: { attempts: 3, delay: 100ms }`), { faults });
    const c = r.counters('p');
    expect(c['failed']).toBeGreaterThanOrEqual(failed[0]!);
    expect(c['failed']).toBeLessThanOrEqual(failed[1]!);
    const l = r.producer('p').lost;
    if (typeof lost === 'number') expect(l).toBe(lost);
    else expect(l).toBeGreaterThanOrEqual(lost[0]!), expect(l).toBeLessThanOrEqual(lost[1]!);
    expect(r.producer('p').pending).toBeLessThanOrEqual(1);
  });

  it('a partition from the broker shows as confirm timeouts, then retries once it heals', async () => {
    const r = await runMessaging(system('    confirmTimeout: 500ms\n    retry: { attempts: 10, delay: 200ms, maxDelay: 1s }'), {
      faults: '  - { kind: partition, target: p, at: 2s, for: 2s }',
    });
    expect(r.counters('p')['retries']).toBeGreaterThan(20);
    expect(r.producer('p')).toMatchObject({ lost: 0 });
    expect(r.counters('p')['failed']).toBe(0);
  });

  it.each([
    { outbox: 'false', lost: true },
    { outbox: '{ every: 100ms, batch: 50 }', lost: false },
  ])('database then publish, outbox $outbox: a crash while the broker is down loses events: $lost', async ({ outbox, lost }) => {
    const r = await runMessaging(system(`    database: 5ms\n    outbox: ${outbox}\n    onUnavailable: buffer`), { faults: outageAndCrash });
    expect(r.producer('p').lost > 0).toBe(lost);
    expect(r.counters('p')['committed']).toBeGreaterThan(150);
  });

  it('messages over the broker’s limit are refused and not retried; a claim check carries them', async () => {
    const sized = (claim: string) =>
      runMessaging(
        `  blobs: { kind: service, latency: 10ms }
${system(`    size: 2MB\n${claim}`, '    maxMessageSize: 1MB\n')}`,
      );
    const refused = await sized('');
    const calls = refused.counters('p')['calls'];
    expect(refused.counters('p')).toMatchObject({ refused: calls, retries: 0, failed: calls });
    expect(refused.counters('broker')['refused']).toBe(calls);
    const checked = await sized('    claimCheck: { store: blobs, over: 256KB }');
    expect(checked.counters('p')['failed']).toBe(0);
    expect(checked.counters('blobs')['calls']).toBe(calls);
  });

  it('poison-message marks exactly the next N messages', async () => {
    const r = await runMessaging(system(''), { faults: '  - { kind: poison-message, target: p, at: 1s, count: 3 }' });
    expect(r.counters('c')['failed']).toBeGreaterThan(3);
    expect(r.producer('p').pending).toBe(3);
  });
});
