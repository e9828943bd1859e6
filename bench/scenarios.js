// Simulated seconds per wall second: each scenario in scenarios/ is loaded once, then
// `new Run(scenario).execute({ speed: Infinity })` is timed, construction included. A run of
// 60 simulated seconds takes only milliseconds, so a round repeats it for at least ROUND_MS.
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { Run } from '../dist/engine/run.js';
import { loadScenarioFile } from '../dist/scenario/load.js';
import { row, sample } from './harness.js';

export const name = 'scenarios';
export const title = 'simulated seconds per wall second';

const dir = fileURLToPath(new URL('../scenarios/', import.meta.url));
const HEADLINE = 'payment-outage';
const TARGET = { atLeast: 1000 };
const ROUND_MS = 250;

/** One round: runs the scenario back to back for ROUND_MS; returns simulated ms per wall ms. */
async function round(scenario) {
  let simulated = 0;
  let last;
  const start = performance.now();
  let elapsed = 0;
  do {
    last = await new Run(scenario).execute({ speed: Infinity });
    simulated += last.simulatedMs;
    elapsed = performance.now() - start;
  } while (elapsed < ROUND_MS);
  return { rate: simulated / elapsed, last };
}

export async function run({ rounds = 7, warmup = 2 } = {}) {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.yaml'))
    .sort((a, b) => (a === `${HEADLINE}.yaml` ? -1 : b === `${HEADLINE}.yaml` ? 1 : a.localeCompare(b)));
  const rows = [];
  for (const file of files) {
    let scenario;
    let last;
    let s;
    try {
      scenario = await loadScenarioFile(dir + file);
      s = await sample(
        async () => {
          const r = await round(scenario);
          last = r.last;
          return r.rate;
        },
        { rounds, warmup },
      );
    } catch (error) {
      // A scenario being edited may not load or run; skip it rather than lose the other lines.
      process.stderr.write(`  skipped ${file}: ${String(error?.message ?? error).split('\n')[0]}\n`);
      continue;
    }
    const events = last.summary.eventsRun;
    const label = `${scenario.name} (${scenario.duration / 1000} s, ${events.toLocaleString('en')} events)`;
    // The target is the issue's, for payment-outage; the other scenarios are extra lines.
    rows.push(row(name, scenario.name, label, s, '× real time', scenario.name === HEADLINE ? TARGET : undefined, { passed: last.passed }));
  }
  return rows;
}
