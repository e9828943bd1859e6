/**
 * Runs a learner's code away from the CLI's own thread: a worker the CLI can stop when the
 * code loops forever. It loads the learner's TypeScript through tsx (no build step on their
 * side), runs each scenario under each seed beside the built-in, and posts one result per
 * seed. The shared buffer says which learner function is running, at what simulated time, so
 * the CLI can name it if it has to stop the worker.
 */
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { parentPort, workerData } from 'node:worker_threads';
import { hookNames } from '../../exercises/contracts/registry.js';
import { loadExerciseScenario } from '../../exercises/exercise.js';
import { LearnerCalls, type LearnerHost } from '../../exercises/learner.js';
import { checkSeed, type SeedResult } from '../../exercises/session.js';
import { installGuard } from './guard.js';

export interface WorkerInput {
  jobs: { scenarioFile: string; seeds: number[] }[];
  /** The exercise folder: stack frames inside it are the learner's. */
  learnerDir: string;
  /** Float64 × 3: index into hookNames of the learner function running (-1: none), the simulated time, and a count of calls. */
  shared: SharedArrayBuffer;
}

export type WorkerMessage =
  | { type: 'start'; scenario: string; file: string; seed: number }
  | { type: 'seed'; file: string; result: SeedResult }
  | { type: 'done' };

export function learnerFrameTest(dir: string): (line: string) => boolean {
  const abs = path.resolve(dir);
  const asUrl = pathToFileURL(abs).href;
  const encoded = encodeURIComponent(abs + path.sep);
  return (line) => !line.includes('node_modules') && (line.includes(abs + path.sep) || line.includes(asUrl + '/') || line.includes(encoded));
}

async function main(input: WorkerInput, port: NonNullable<typeof parentPort>): Promise<void> {
  process.setSourceMapsEnabled(true);
  const progress = new Float64Array(input.shared);
  const isLearnerFrame = learnerFrameTest(input.learnerDir);
  const guard = installGuard(isLearnerFrame);
  const host: LearnerHost = {
    enter(hook, now) {
      progress[0] = hookNames.indexOf(hook);
      progress[1] = now;
      progress[2]!++;
      guard.hook = hook;
      guard.now = now;
      // While tsx loads the module its own machinery runs too; the static scan covers top-level code.
      guard.active = hook !== 'module load';
    },
    exit() {
      guard.active = false;
      progress[0] = -1;
    },
    waiting(hook) {
      progress[0] = hook === undefined ? -1 : hookNames.indexOf(hook);
      progress[2]!++;
    },
    takeViolation: () => guard.take(),
  };
  const { tsImport } = await import('tsx/esm/api');
  const post = (m: WorkerMessage) => port.postMessage(m);
  for (const job of input.jobs) {
    for (const seed of job.seeds) {
      const exercise = await loadExerciseScenario(job.scenarioFile, { seed });
      post({ type: 'start', scenario: exercise.scenario.name, file: job.scenarioFile, seed });
      // A fresh module per run (tsImport gives each call its own namespace): no state leaks between seeds.
      const url = pathToFileURL(exercise.component.implementation).href;
      const result = await checkSeed(exercise.scenario, {
        component: exercise.component.name,
        contract: exercise.contract,
        loadModule: () => tsImport(url, import.meta.url),
        calls: new LearnerCalls(host, isLearnerFrame),
      });
      post({ type: 'seed', file: job.scenarioFile, result });
    }
  }
  post({ type: 'done' });
}

if (parentPort) await main(workerData as WorkerInput, parentPort);
