import type { Category } from '../../patterns/registry.js';
import type { Progress } from '../../progress/store.js';
import type { Scenario } from '../../scenario/model.js';
import {
  afterRunChoices,
  BACK,
  categoryChoices,
  DONE,
  knobChoices,
  knobRange,
  knobStartChoices,
  modeChoices,
  QUIT,
  RESET,
  scenarioChoices,
  type AfterRun,
  type Choice,
  type Mode,
} from './choices.js';
import type { LiveStatus } from './live-mode.js';
import { formatKnobValue } from '../../scenario/load.js';

/** The two prompt shapes the menu uses; @inquirer/prompts in real life, scripted answers in tests. */
export interface MenuPrompts {
  select<T>(config: { message: string; choices: readonly Choice<T>[]; default?: T; pageSize?: number }): Promise<T>;
  input(config: { message: string; default?: string; validate?: (value: string) => Promise<true | string> }): Promise<string>;
}

export interface RunPlan {
  scenario: Scenario;
  seed: number;
  set: string[];
  mode: Mode;
}

/** Everything the menu does besides asking: tests replace each part. */
export interface MenuDeps {
  prompts: MenuPrompts;
  /** The catalogue, main variants. */
  catalogue: readonly Scenario[];
  progress(): Promise<Progress>;
  /** The scenario with these overrides applied; throws a message when one is refused. */
  load(scenario: Scenario, set: readonly string[]): Promise<Scenario>;
  /** Runs and prints; says whether the run was interrupted (Ctrl-C), which ends the menu. */
  run(plan: RunPlan): Promise<{ interrupted: boolean }>;
  compare(plan: Omit<RunPlan, 'mode'>): Promise<{ interrupted: boolean }>;
  explain(pattern: string): Promise<void>;
  liveStatus(): Promise<LiveStatus>;
  newSeed(): number;
  /** Wall seconds a watched run of this scenario takes at the default pace. */
  watchSeconds(s: Scenario): number;
  /** The terminal's width, to keep choices on one line. */
  columns?: () => number;
}

/** Exit codes the menu ends with. */
const QUITTED = 0;
const INTERRUPTED = 130;

/**
 * `patterns` on a terminal: category → scenario → knobs → mode → run → what next. Pressing
 * Enter all the way runs the first scenario (payment-outage) with its defaults, watched.
 * Ctrl-C in any prompt leaves at once (exit 130).
 */
export async function runMenu(deps: MenuDeps): Promise<number> {
  try {
    return await menuLoop(deps);
  } catch (error) {
    if (isPromptExit(error)) return INTERRUPTED;
    throw error;
  }
}

/** @inquirer/prompts signals Ctrl-C with an ExitPromptError. */
export function isPromptExit(error: unknown): boolean {
  return error instanceof Error && (error.name === 'ExitPromptError' || error.name === 'AbortPromptError');
}

async function menuLoop(deps: MenuDeps): Promise<number> {
  const { prompts } = deps;
  let live: LiveStatus | undefined;
  for (;;) {
    const category = await prompts.select<Category | typeof QUIT>({ message: 'Category', choices: categoryChoices(deps.catalogue, await deps.progress()) });
    if (category === QUIT) return QUITTED;
    for (;;) {
      const name = await prompts.select<string>({ message: 'Scenario', choices: scenarioChoices(deps.catalogue, category, await deps.progress(), deps.columns?.()), pageSize: 12 });
      if (name === BACK) break;
      const scenario = deps.catalogue.find((s) => s.name === name)!;
      let set: string[] = [];
      if (scenario.knobs.length > 0) {
        const start = await prompts.select({ message: 'Knobs', choices: knobStartChoices(scenario) });
        if (start === BACK) continue;
        if (start === 'tweak') set = await tweak(deps, scenario, set);
      }
      live ??= await deps.liveStatus();
      const mode = await prompts.select<Mode | typeof BACK>({ message: 'How do you want to run it?', choices: modeChoices(scenario, live, Math.round(deps.watchSeconds(scenario))) });
      if (mode === BACK) continue;
      const next = await runAndFollow(deps, scenario, set, mode);
      if (next === 'quit') return QUITTED;
      if (next === 'interrupted') return INTERRUPTED;
    }
  }
}

/** Runs, then offers what to do next, until the user goes back or quits. */
async function runAndFollow(deps: MenuDeps, scenario: Scenario, initialSet: string[], mode: Mode): Promise<'back' | 'quit' | 'interrupted'> {
  let set = initialSet;
  let seed = scenario.seed;
  for (;;) {
    const { interrupted } = await deps.run({ scenario, seed, set, mode });
    if (interrupted) return 'interrupted';
    let action: AfterRun | undefined;
    for (;;) {
      action = await deps.prompts.select<AfterRun>({ message: 'What next?', choices: afterRunChoices(scenario, seed), ...(action ? { default: action } : {}) });
      if (action === 'compare') {
        if ((await deps.compare({ scenario, seed, set })).interrupted) return 'interrupted';
        continue;
      }
      if (action === 'explain') {
        await deps.explain(scenario.pattern);
        continue;
      }
      break;
    }
    if (action === 'back') return 'back';
    if (action === 'quit') return 'quit';
    if (action === 'new-seed') seed = deps.newSeed();
    if (action === 'tweak') set = await tweak(deps, scenario, set);
  }
}

/** Knob by knob, each value checked by loading the scenario with it, until "run with these settings". */
async function tweak(deps: MenuDeps, scenario: Scenario, initial: readonly string[]): Promise<string[]> {
  let set = [...initial];
  for (;;) {
    const current = await deps.load(scenario, set);
    const path = await deps.prompts.select<string>({ message: 'Knobs (Enter on a knob to change it)', choices: knobChoices(current, set), pageSize: 14 });
    if (path === DONE) return set;
    if (path === RESET) {
      set = [];
      continue;
    }
    const knob = current.knobs.find((k) => k.path === path)!;
    const others = set.filter((s) => !s.startsWith(`${path}=`));
    let value: string;
    const options = knob.spec.values ?? (knob.spec.type === 'boolean' ? ['true', 'false'] : undefined);
    if (options) {
      value = await deps.prompts.select<string>({
        message: `${path}: ${knob.spec.description}`,
        choices: options.map((v) => ({ value: v, name: v })),
        default: formatKnobValue(knob),
      });
    } else {
      value = await deps.prompts.input({
        message: `${path} — ${knob.spec.description} (${knobRange(knob)}):`,
        default: formatKnobValue(knob),
        validate: async (text) => {
          try {
            await deps.load(scenario, [...others, `${path}=${text.trim()}`]);
            return true;
          } catch (error) {
            return (error as Error).message.replace(/^--set /, '');
          }
        },
      });
    }
    set = [...others, `${path}=${value.trim()}`];
  }
}
