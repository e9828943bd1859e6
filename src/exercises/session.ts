import { kindOf } from '../components/registry.js';
import { ScenarioError } from '../core/errors.js';
import { Run, type RunResult } from '../engine/run.js';
import type { ComponentOverride } from '../engine/topology.js';
import type { Scenario } from '../scenario/model.js';
import { settingsOf, type Contract } from './contracts/contract.js';
import { firstDivergence, StepRecorder, type Divergence } from './divergence.js';
import { LearnerFault, type LearnerCalls, type LearnerFaultInfo } from './learner.js';

export interface ExpectationPair {
  id: string;
  says: string;
  passed: boolean;
  skipped?: boolean | undefined;
  measured: string;
  expected: string;
  /** What the built-in measured on the same seed. */
  reference: { passed: boolean; measured: string };
}

/** One scenario under one seed: the learner's run beside the reference's. */
export interface SeedResult {
  scenario: string;
  seed: number;
  passed: boolean;
  /** Empty when the learner's code faulted before the run could be judged. */
  expectations: ExpectationPair[];
  reference: { passed: boolean; expectations: { says: string; passed: boolean; measured: string }[] };
  fault?: LearnerFaultInfo | undefined;
  /** Where the learner's run first differs from the reference's; absent when they agree (or on a fault). */
  divergence?: Divergence | undefined;
  /** Steps each run took (transitions, plus the contract's notable events). */
  steps: { yours: number; reference: number };
}

export interface SeedOptions {
  /** The component the learner implements. */
  component: string;
  contract: Contract;
  /** Loads the learner's module afresh, so no state leaks from one run into the next. */
  loadModule: () => Promise<unknown>;
  calls: LearnerCalls;
}

/**
 * Runs `scenario` (its seed already chosen) twice: once with the built-in component, once
 * with the learner's code in its place, and compares verdicts and steps.
 */
export async function checkSeed(scenario: Scenario, opts: SeedOptions): Promise<SeedResult> {
  // Loading TypeScript takes a transform in another thread: let it overlap the reference run.
  const loading = opts.calls.settle('module load', opts.loadModule);
  loading.catch(() => {});
  const describe = opts.contract.describeEvent?.bind(opts.contract);
  const refSteps = new StepRecorder(opts.component, describe);
  const reference = await new Run(scenario, [refSteps.listener]).execute({ speed: Infinity });
  const refSummary = {
    passed: reference.passed,
    expectations: reference.expectations.map((e) => ({ says: e.says, passed: e.passed, measured: e.measured })),
  };

  const mySteps = new StepRecorder(opts.component, describe);
  let mine: RunResult;
  try {
    const learner = await createLearner(await loading, opts, scenario);
    const overrides = new Map<string, ComponentOverride>([[opts.component, (spec, ctx, resolve) => opts.contract.build(learner, { spec, ctx, kind: kindOf(spec.kind)!, calls: opts.calls, resolve })]]);
    mine = await new Run(scenario, [mySteps.listener], { overrides }).execute({ speed: Infinity });
    opts.calls.checkViolations();
  } catch (error) {
    const fault = asFault(error, opts);
    return { scenario: scenario.name, seed: scenario.seed, passed: false, expectations: [], reference: refSummary, fault, steps: { yours: mySteps.steps.length, reference: refSteps.steps.length } };
  }

  const expectations = mine.expectations.map((e, i) => {
    const ref = reference.expectations[i];
    return {
      id: e.id,
      says: e.says,
      passed: e.passed,
      ...(e.skipped ? { skipped: true } : {}),
      measured: e.measured,
      expected: e.expected,
      reference: { passed: ref?.passed ?? false, measured: ref?.measured ?? 'n/a' },
    };
  });
  const divergence = firstDivergence(mySteps.steps, refSteps.steps);
  return {
    scenario: scenario.name,
    seed: scenario.seed,
    passed: mine.passed,
    expectations,
    reference: refSummary,
    ...(divergence ? { divergence } : {}),
    steps: { yours: mySteps.steps.length, reference: refSteps.steps.length },
  };
}

/** Finds the module's factory, and builds the learner's object with the component's settings. */
async function createLearner(mod: unknown, opts: SeedOptions, scenario: Scenario): Promise<object> {
  const { calls } = opts;
  const factory = factoryOf(mod);
  if (!factory) {
    throw new LearnerFault({
      kind: 'shape',
      hook: 'module load',
      message: 'the file must `export default` a function that takes the settings and returns your object (or a class)',
    });
  }
  const spec = scenario.components.find((c) => c.name === opts.component)!;
  const settings = settingsOf(spec);
  const made = await calls.settle('create', () => (isClass(factory) ? new (factory as unknown as new (s: unknown) => unknown)(settings) : factory(settings)));
  if (made === null || typeof made !== 'object') {
    throw new LearnerFault({ kind: 'shape', hook: 'create', message: `your default export returned ${made === null ? 'null' : typeof made}; it should return an object with ${opts.contract.hooks.join(', ')}` });
  }
  const missing = opts.contract.shape(made);
  if (missing.length > 0) throw new LearnerFault({ kind: 'shape', hook: 'create', message: missing.join('; ') });
  return made;
}

/** The factory: an ES default export, or the same one level down when the file was compiled to CommonJS. */
export function factoryOf(mod: unknown): ((settings: unknown) => unknown) | undefined {
  const ns = (mod ?? {}) as Record<string, unknown>;
  const inner = (ns['default'] ?? {}) as Record<string, unknown>;
  const found = [ns['default'], inner['default'], ns['create'], inner['create']].find((c) => typeof c === 'function');
  return found as ((settings: unknown) => unknown) | undefined;
}

function isClass(fn: unknown): boolean {
  return typeof fn === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(fn));
}

function asFault(error: unknown, opts: SeedOptions): LearnerFaultInfo {
  if (error instanceof LearnerFault) return error.info;
  if (error instanceof ScenarioError && /stopped advancing/.test(error.message)) {
    const at = /at ([\d.]+)s/.exec(error.message)?.[1];
    return {
      kind: 'stuck',
      at: at !== undefined ? Number(at) * 1000 : undefined,
      message: `the simulation stopped advancing${at !== undefined ? ` at ${at}s` : ''}: millions of events happened at the same instant. Your code kept asking for more work with no time passing${opts.contract.name === 'retry' ? ' (shouldRetry kept saying yes, with a delay of 0?)' : ''}.`,
    };
  }
  // Learner code only runs through LearnerCalls, which wraps what it throws: anything else is ours.
  throw error;
}
