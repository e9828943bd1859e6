import { once } from 'node:events';
import { Worker } from 'node:worker_threads';
import { hookNames } from '../../exercises/contracts/registry.js';
import type { LearnerFaultInfo } from '../../exercises/learner.js';
import type { SeedResult } from '../../exercises/session.js';
import { pausedStack } from './paused-stack.js';
import { learnerFrameTest, type WorkerInput, type WorkerMessage } from './worker.js';

export interface IsolatedRun {
  results: { file: string; result: SeedResult }[];
  /** The worker had to be stopped, or died: what the learner's code was doing at the time. */
  stopped?: { fault: LearnerFaultInfo; file?: string | undefined; scenario?: string | undefined; seed?: number | undefined } | undefined;
  /** What the learner's code printed, first lines only. */
  printed: string[];
  printedLines: number;
  interrupted: boolean;
}

export interface IsolateOptions {
  /** Wall-clock bound on one call into the learner's code. */
  timeoutMs: number;
  signal?: AbortSignal | undefined;
  onResult?: ((file: string, result: SeedResult) => void) | undefined;
}

const PRINTED_KEPT = 20;
/** A seed with no news for this long is stopped, whatever the per-call bound. */
const SEED_BOUND_MS = 30_000;
const POLL_MS = 50;
const MEMORY_MB = 1024;

/**
 * Runs the learner's code in a worker thread with a watchdog: a call into the learner's code
 * that takes longer than `timeoutMs`, or a seed that sends no news for much longer, gets the
 * worker paused (for a stack into the learner's file) and stopped. Never hangs: every path
 * ends in a result.
 */
export function runIsolated(jobs: WorkerInput['jobs'], learnerDir: string, opts: IsolateOptions): Promise<IsolatedRun> {
  const workerUrl = new URL('./worker.js', import.meta.url);
  const shared = new SharedArrayBuffer(24);
  const progress = new Float64Array(shared);
  progress[0] = -1;
  const input: WorkerInput = { jobs, learnerDir, shared };
  const worker = new Worker(workerUrl, { workerData: input, stdout: true, stderr: true, resourceLimits: { maxOldGenerationSizeMb: MEMORY_MB } });
  const out: IsolatedRun = { results: [], printed: [], printedLines: 0, interrupted: false };
  const isLearnerFrame = learnerFrameTest(learnerDir);

  const printed = (chunk: Buffer) => {
    for (const line of chunk.toString('utf8').split('\n')) {
      if (line === '') continue;
      out.printedLines++;
      if (out.printed.length < PRINTED_KEPT) out.printed.push(line);
    }
  };
  worker.stdout.on('data', printed);
  worker.stderr.on('data', printed);

  return new Promise((resolve, reject) => {
    let current: { file: string; scenario: string; seed: number } | undefined;
    let finished = false;
    let watchdog: NodeJS.Timeout | undefined;

    const where = () => ({ file: current?.file, scenario: current?.scenario, seed: current?.seed });
    const runningHook = () => {
      const i = progress[0]!;
      return i >= 0 ? hookNames[i] : undefined;
    };
    const exited = new Promise<void>((r) => worker.once('exit', () => r()));
    const drained = Promise.all([once(worker.stdout, 'end'), once(worker.stderr, 'end')]);
    const finish = async (stopped?: IsolatedRun['stopped'], graceful = false) => {
      if (finished) return;
      finished = true;
      if (watchdog) clearTimeout(watchdog);
      clearInterval(poll);
      opts.signal?.removeEventListener('abort', onAbort);
      if (stopped) out.stopped = stopped;
      // A worker that finished its work exits by itself, flushing what the learner printed.
      if (graceful) await Promise.race([exited, pause(1000)]);
      await worker.terminate();
      await Promise.race([drained, pause(200)]);
      resolve(out);
    };
    // Two bounds: one call into the learner's code (read off the shared buffer), and a whole
    // seed without news (a run the learner's answers keep busy, such as endless tiny retries).
    const seedBound = Math.max(SEED_BOUND_MS, 4 * opts.timeoutMs);
    const arm = () => {
      if (watchdog) clearTimeout(watchdog);
      watchdog = setTimeout(() => void onStall(seedBound), seedBound);
    };
    let lastCall = -1;
    let callSince = 0;
    const poll = setInterval(() => {
      const call = progress[2]!;
      const now = performance.now();
      // Loading is mostly tsx's own work (a cold start can be slow): the seed bound covers it.
      if (progress[0]! < 0 || runningHook() === 'module load' || call !== lastCall) {
        lastCall = call;
        callSince = now;
      } else if (now - callSince > opts.timeoutMs) {
        void onStall(opts.timeoutMs);
      }
    }, POLL_MS);
    const onStall = async (bound: number) => {
      if (finished || stalling) return;
      stalling = true;
      const hook = runningHook();
      const at = hook ? progress[1] : undefined;
      const stack = await pausedStack(workerUrl.href, isLearnerFrame);
      const seconds = `${Math.round(bound / 100) / 10}s`;
      const pending = hook === 'create' || hook === 'module load';
      const message = pending
        ? `${hook === 'create' ? 'your default export' : 'loading your module'} did not finish within ${seconds}: a promise that never settles, or an endless loop?`
        : hook
          ? `${hook} did not return within ${seconds}: an endless loop?`
          : `one seed took longer than ${seconds}: your code keeps the simulation busy (a retry that never stops, a tiny delay repeated forever?)`;
      await finish({ fault: { kind: pending ? 'never-settled' : 'timeout', hook, at, message, stack: stack && stack.length > 0 ? stack : undefined }, ...where() });
    };
    let stalling = false;
    const onAbort = () => {
      out.interrupted = true;
      void finish();
    };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    worker.on('message', (m: WorkerMessage) => {
      arm();
      if (m.type === 'start') current = { file: m.file, scenario: m.scenario, seed: m.seed };
      else if (m.type === 'seed') {
        out.results.push({ file: m.file, result: m.result });
        opts.onResult?.(m.file, m.result);
      } else if (m.type === 'done') void finish(undefined, true);
    });
    worker.on('error', (error: Error & { code?: string }) => {
      if (finished) return;
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        void finish({ fault: { kind: 'crashed', hook: runningHook(), message: `your code used more than ${MEMORY_MB} MB of memory` }, ...where() });
        return;
      }
      const frames = (error.stack ?? '').split('\n').filter((l) => /^\s+at /.test(l) && isLearnerFrame(l));
      if (frames.length === 0) {
        // Not the learner's: a fault of ours, reported as such.
        finished = true;
        if (watchdog) clearTimeout(watchdog);
        clearInterval(poll);
        void worker.terminate();
        reject(error);
        return;
      }
      void finish({ fault: { kind: 'crashed', message: `uncaught outside any call: ${error.message}`, stack: frames.map((l) => l.trim()) }, ...where() });
    });
    worker.on('exit', (code) => {
      if (finished) return;
      const hook = runningHook();
      const pending = hook === 'create' || hook === 'module load';
      const message = pending
        ? `${hook === 'create' ? 'your default export returned a promise' : 'loading your module gave a promise'} that never settled`
        : `the worker running your code stopped unexpectedly (exit code ${code})`;
      void finish({ fault: { kind: pending ? 'never-settled' : 'crashed', hook, message }, ...where() });
    });
    arm();
  });
}

function pause(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
