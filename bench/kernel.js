// Kernel throughput: how many no-op events per wall second the discrete-event scheduler runs,
// scheduling included. The workload mimics a simulation: a self-rescheduling chain (a
// sampler), a wide fan of timers at pseudo-random times (calls in flight), and timeouts
// that are mostly cancelled before they fire (a timeout policy around those calls).
import { performance } from 'node:perf_hooks';
import { Kernel } from '../dist/core/kernel.js';
import { row, sample } from './harness.js';

export const name = 'kernel';
export const title = 'kernel events/s';

// Timers in flight at once. Today's scenarios keep at most ~120 live events (plus cancelled
// ones not yet dropped: up to ~2,300 heap entries); bigger fans show a busier system.
const FANS = [100, 1_000, 10_000];
const EVENTS = 500_000; // fan firings per round, roughly (the chain and timeouts add more)
const MEAN_DELAY = 25; // ms between a fan timer's firings, on average
const TIMEOUT = 30; // ms; every 4th firing arms a timeout, the next firing cancels it (~60% still pending)

/** One round: builds a kernel, runs it to the horizon, returns { events, ms }. */
export function workload(fan) {
  const horizon = (EVENTS * MEAN_DELAY) / fan; // simulated ms
  const kernel = new Kernel();
  let seed = 0x9e3779b9;
  const random = () => {
    // xorshift32: deterministic and cheap, so the figure is about the kernel, not the RNG
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 4294967296;
  };
  const start = performance.now();

  const chain = () => {
    if (kernel.now() < horizon) kernel.setTimer(1, chain);
  };
  kernel.setTimer(1, chain);

  const noop = () => {};
  const timeouts = new Array(fan);
  for (let i = 0; i < fan; i++) {
    let firings = 0;
    const fire = () => {
      if (kernel.now() >= horizon) return;
      kernel.setTimer(random() * 2 * MEAN_DELAY, fire);
      firings++;
      if (firings % 4 === 0) timeouts[i] = kernel.setTimer(TIMEOUT, noop);
      else if (firings % 4 === 1 && timeouts[i] !== undefined) timeouts[i].cancel();
    };
    kernel.at(random() * MEAN_DELAY, fire);
  }

  kernel.runUntil(Infinity);
  const ms = performance.now() - start;
  return { events: kernel.eventsRun, ms };
}

export async function run({ rounds = 7, warmup = 2 } = {}) {
  const rows = [];
  for (const fan of FANS) {
    let events = 0;
    const s = await sample(
      () => {
        const r = workload(fan);
        events = r.events;
        return (r.events / r.ms) * 1000;
      },
      { rounds, warmup },
    );
    const label = `${fan.toLocaleString('en')} timers in flight (${(events / 1e6).toFixed(2)}M events/round)`;
    rows.push(row(name, `fan-${fan}`, label, s, 'events/s', { atLeast: 2_000_000 }));
  }
  return rows;
}
