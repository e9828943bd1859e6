// Circuit breaker, closed path: sequential awaited calls through each breaker against an
// async function that resolves at once. Measures the breaker's own overhead per call.
import { circuitBreaker, ConsecutiveBreaker, CountBreaker, handleAll } from 'cockatiel';
import Opossum from 'opossum';
import { standaloneContext } from '../dist/core/component.js';
import { RealClock } from '../dist/core/real-clock.js';
import { CircuitBreaker } from '../dist/patterns/circuit-breaker.js';
import { interleave, opsPerSecond, row, stats } from './harness.js';

export const name = 'breaker';
export const title = 'circuit breaker, closed path (calls/s)';

const recordOn = ['error', 'timeout', 'unavailable', 'overloaded'];
const common = { openFor: 5000, probes: 1, halfOpen: 'automatic', recordOn };

// The same loop for every contestant. It is compiled afresh for each one so that V8's type
// feedback for `call()` stays monomorphic: one shared loop would see every breaker and go
// megamorphic, which would penalise whichever runs later.
const AsyncFunction = (async () => {}).constructor;
const LOOP = `
  let sum = 0;
  for (let i = 0; i < n; i++) sum += await call();
  if (sum !== n) throw new Error('a call did not return 1');
`;
const freshLoop = (call) => {
  const loop = new AsyncFunction('call', 'n', LOOP);
  return (n) => loop(call, n);
};

function contestants() {
  const fn = async () => 1;
  const ours = (cfg) => new CircuitBreaker('bench', { ...cfg, ...common }, standaloneContext('bench', { clock: new RealClock() }));
  const oursConsecutive = ours({ strategy: 'consecutive', failureThreshold: 5 });
  const oursCount = ours({ strategy: 'count-window', window: 20, failureRate: 0.5, minimumCalls: 10 });
  const cockatielConsecutive = circuitBreaker(handleAll, { halfOpenAfter: 5000, breaker: new ConsecutiveBreaker(5) });
  const cockatielCount = circuitBreaker(handleAll, { halfOpenAfter: 5000, breaker: new CountBreaker({ threshold: 0.5, size: 20, minimumNumberOfCalls: 10 }) });
  // opossum with its defaults (what users get: a 10 s timeout timer per call, rolling stats)...
  const opossumDefault = new Opossum(fn, {});
  // ...and with the per-call timeout timer switched off.
  const opossumNoTimeout = new Opossum(fn, { timeout: false });
  const list = {
    bare: { label: 'bare await fn()', call: fn },
    ours: { label: 'ours execute (consecutive)', call: () => oursConsecutive.execute(fn) },
    oursCount: { label: 'ours execute (count-window)', call: () => oursCount.execute(fn) },
    cockatiel: { label: 'cockatiel 3 (ConsecutiveBreaker)', call: () => cockatielConsecutive.execute(fn) },
    cockatielCount: { label: 'cockatiel 3 (CountBreaker)', call: () => cockatielCount.execute(fn) },
    opossum: { label: 'opossum 9 fire() (defaults)', call: () => opossumDefault.fire() },
    opossumNoTimeout: { label: 'opossum 9 fire() (timeout: false)', call: () => opossumNoTimeout.fire() },
  };
  const shutdown = () => {
    opossumDefault.shutdown();
    opossumNoTimeout.shutdown();
  };
  return { list, shutdown };
}

/** Median of per-round ratios a/b (rounds are interleaved, so round i of each is a pair). */
function pairedRatio(a, b) {
  return stats(a.map((x, i) => x / b[i]));
}

export async function run({ rounds = 7, warmup = 2 } = {}) {
  const { list, shutdown } = contestants();
  const round = Object.fromEntries(
    Object.entries(list).map(([k, c]) => {
      const loop = freshLoop(c.call); // once per contestant, so warm-up rounds warm it
      return [k, () => opsPerSecond(loop)];
    }),
  );
  let samples;
  try {
    samples = await interleave(round, { rounds, warmup });
  } finally {
    shutdown();
  }
  const rows = Object.entries(list).map(([k, c]) => row(name, k, c.label, stats(samples[k]), 'calls/s'));
  rows.push(
    row(name, 'ratio-cockatiel', 'ratio ours / cockatiel (consecutive)', pairedRatio(samples.ours, samples.cockatiel), '×', { atLeast: 2 }),
    row(name, 'ratio-opossum', 'ratio ours / opossum (defaults)', pairedRatio(samples.ours, samples.opossum), '×', { atLeast: 8 }),
    row(name, 'ratio-cockatiel-count', 'ratio ours count / cockatiel count', pairedRatio(samples.oursCount, samples.cockatielCount), '×'),
    row(name, 'ratio-opossum-no-timeout', 'ratio ours / opossum (timeout: false)', pairedRatio(samples.ours, samples.opossumNoTimeout), '×'),
    row(name, 'ratio-bare', 'ratio ours / bare await', pairedRatio(samples.ours, samples.bare), '×'),
  );
  return rows;
}
