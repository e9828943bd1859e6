// A small timing harness: warm-up rounds, then N measured rounds, reported as median with
// min and max. Benchmarks report; they never assert.
import { performance } from 'node:perf_hooks';

/** Lets timers, I/O and finalizers run between rounds (a microtask-only loop never does). */
export const breathe = () => new Promise((resolve) => setImmediate(resolve));

export function median(values) {
  const s = [...values].sort((a, b) => a - b);
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

/** Median, min and max of a list of per-round figures. */
export function stats(samples) {
  return { median: median(samples), min: Math.min(...samples), max: Math.max(...samples), rounds: samples.length };
}

/**
 * Runs `round()` `warmup` times unrecorded, then `rounds` times; each call returns one
 * figure (a rate, a duration...). Returns the stats of the recorded figures.
 */
export async function sample(round, { warmup = 2, rounds = 7 } = {}) {
  for (let i = 0; i < warmup; i++) {
    await round();
    await breathe();
  }
  const samples = [];
  for (let i = 0; i < rounds; i++) {
    samples.push(await round());
    await breathe();
  }
  return stats(samples);
}

/**
 * Several contestants measured in interleaved rounds (a, b, c, a, b, c, ...), so slow drift
 * in the machine (thermal, other processes) hits all of them alike. Returns each one's
 * per-round figures, in round order, so paired ratios can be taken round by round.
 */
export async function interleave(contestants, { warmup = 2, rounds = 7 } = {}) {
  const samples = Object.fromEntries(Object.keys(contestants).map((k) => [k, []]));
  for (let r = 0; r < warmup + rounds; r++) {
    for (const [name, round] of Object.entries(contestants)) {
      const figure = await round();
      await breathe();
      if (r >= warmup) samples[name].push(figure);
    }
  }
  return samples;
}

/**
 * Calls `batch(n)` (which performs n operations) with growing batches until at least
 * `minOps` operations and `minMs` milliseconds have gone by; returns operations per second.
 */
export async function opsPerSecond(batch, { minOps = 200_000, minMs = 200, batchSize = 50_000 } = {}) {
  let ops = 0;
  const start = performance.now();
  let elapsed = 0;
  while (ops < minOps || elapsed < minMs) {
    await batch(batchSize);
    ops += batchSize;
    elapsed = performance.now() - start;
  }
  return (ops / elapsed) * 1000;
}

/**
 * One result line: `id` is stable for machines (`breaker.ours`), `label` is for people.
 * `target` is { atLeast } or { atMost } (or undefined for information lines); `met` is
 * filled in from the median.
 */
export function row(bench, id, label, s, unit, target, extra = {}) {
  let met = null;
  if (target?.atLeast !== undefined) met = s.median >= target.atLeast;
  if (target?.atMost !== undefined) met = s.median <= target.atMost;
  return { id: `${bench}.${id}`, bench, label, unit, median: s.median, min: s.min, max: s.max, rounds: s.rounds, target: target ?? null, met, ...extra };
}
