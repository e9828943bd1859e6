import { describe, expect, it } from 'vitest';
import type { Progress } from '../../progress/store.js';
import { loadCatalogue } from '../../scenario/catalogue.js';
import { loadScenarioFile } from '../../scenario/load.js';
import { equivalentCommands, menuOrder, scenarioChoices, type Choice } from './choices.js';
import { runMenu, type MenuDeps, type MenuPrompts, type RunPlan } from './index.js';

const catalogue = await loadCatalogue();

/** Enter: the default, or the first choice that can be chosen. */
const ENTER = Symbol('enter');
type Answer = string | typeof ENTER | Error | { type: string[] };

interface Asked {
  message: string;
  choices?: readonly Choice<unknown>[];
  default?: unknown;
  rejected?: string[];
}

/** Prompts that answer from a script, like a person at the keyboard; Ctrl-C is an ExitPromptError. */
function scripted(answers: Answer[]): { prompts: MenuPrompts; asked: Asked[] } {
  const asked: Asked[] = [];
  const next = (message: string) => {
    const a = answers.shift();
    if (a === undefined) throw new Error(`the script ran out at "${message}"`);
    if (a instanceof Error) throw a;
    return a;
  };
  const prompts: MenuPrompts = {
    async select<T>(config: { message: string; choices: readonly Choice<T>[]; default?: T }): Promise<T> {
      asked.push({ message: config.message, choices: config.choices as readonly Choice<unknown>[], default: config.default });
      const a = next(config.message);
      if (a === ENTER) {
        const fallback = config.choices.find((ch) => !ch.disabled)!;
        return config.default !== undefined && config.choices.some((ch) => ch.value === config.default) ? config.default : fallback.value;
      }
      const choice = config.choices.find((ch) => ch.value === a);
      if (!choice || choice.disabled) throw new Error(`"${String(a)}" cannot be chosen at "${config.message}"`);
      return choice.value;
    },
    async input(config) {
      const record: Asked = { message: config.message, rejected: [] };
      asked.push(record);
      const a = next(config.message);
      if (a === ENTER) return config.default ?? '';
      const typed = typeof a === 'object' && 'type' in a ? a.type : [a as string];
      for (const text of typed) {
        const verdict = config.validate ? await config.validate(text) : true;
        if (verdict === true) return text;
        record.rejected!.push(verdict);
      }
      throw new Error(`every value typed at "${config.message}" was refused: ${record.rejected!.join('; ')}`);
    },
  };
  return { prompts, asked };
}

function exitPrompt(): Error {
  const e = new Error('User force closed the prompt with SIGINT');
  e.name = 'ExitPromptError';
  return e;
}

function deps(answers: Answer[], over: Partial<MenuDeps> = {}) {
  const { prompts, asked } = scripted(answers);
  const runs: RunPlan[] = [];
  const calls: string[] = [];
  const progress: Progress = { version: 1, scenarios: {}, exercises: {} };
  const d: MenuDeps = {
    prompts,
    catalogue,
    progress: async () => progress,
    load: (s, set) => loadScenarioFile(s.file, { set }),
    run: async (plan) => {
      runs.push(plan);
      return { interrupted: false };
    },
    compare: async (plan) => {
      calls.push(`compare ${plan.scenario.name} seed ${plan.seed}`);
      return { interrupted: false };
    },
    explain: async (pattern) => {
      calls.push(`explain ${pattern}`);
    },
    liveStatus: async () => ({ available: false, reason: 'no broker configured (set PATTERNS_BROKER, e.g. redis://127.0.0.1:6379)' }),
    newSeed: () => 42,
    watchSeconds: () => 12,
    ...over,
  };
  return { d, asked, runs, calls, progress };
}

describe('the menu', () => {
  it('Enter all the way runs payment-outage with its defaults, watched', async () => {
    const { d, runs, asked } = deps([ENTER, ENTER, ENTER, ENTER, 'quit']);
    expect(await runMenu(d)).toBe(0);
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ seed: 7, set: [], mode: 'watch' });
    expect(runs[0]!.scenario.name).toBe('payment-outage');
    expect(asked.map((a) => a.message)).toEqual(['Category', 'Scenario', 'Knobs', 'How do you want to run it?', 'What next?']);
    expect(asked[2]!.choices![0]).toMatchObject({ value: 'keep', name: 'keep the defaults' });
  });

  it('shows each scenario with its title and goal, ✓ once passed', async () => {
    // Three scenarios of the catalogue, so the lists do not change each time it grows.
    const three = catalogue.filter((s) => ['payment-outage', 'flaky-network', 'slow-payment'].includes(s.name));
    const { d, asked, progress } = deps([ENTER, ENTER, ENTER, ENTER, 'quit'], { catalogue: three });
    progress.scenarios['flaky-network'] = { passedAt: '2026-01-01T00:00:00.000Z', seed: 3 };
    await runMenu(d);
    expect(asked[0]!.choices![0]!.name).toBe('resilience  (3 scenarios, 1 ✓)');
    const scenarios = asked[1]!.choices!;
    expect(scenarios.map((ch) => ch.name.slice(0, 17))).toEqual(['  payment-outage ', '✓ flaky-network  ', '  slow-payment   ', '← back']);
    expect(scenarios[0]!.name).toContain('Payment goes down; the breaker fails fast and recovers');
    expect(scenarios[0]!.description).toContain('A breaker stops callers from waiting on a dead dependency');
  });

  it('runs live when a broker answers', async () => {
    const { d, asked, runs } = deps([ENTER, ENTER, ENTER, 'live', 'quit'], { liveStatus: async () => ({ available: true, broker: 'redis://:***@127.0.0.1:6379' }) });
    await runMenu(d);
    expect(asked[3]!.choices!.find((ch) => ch.value === 'live')).toMatchObject({ name: 'live on a broker (redis://:***@127.0.0.1:6379)' });
    expect(runs).toHaveLength(1);
    expect(runs[0]).toMatchObject({ mode: 'live' });
  });

  it('offers live mode as unavailable, with the reason, when no broker answers', async () => {
    const { d, asked } = deps([ENTER, ENTER, ENTER, ENTER, 'quit']);
    await runMenu(d);
    const live = asked[3]!.choices!.find((ch) => ch.value === 'live')!;
    expect(live.disabled).toBe('(unavailable: no broker configured (set PATTERNS_BROKER, e.g. redis://127.0.0.1:6379))');
  });

  it.each<[string, Answer[]]>([
    ['the category', [exitPrompt()]],
    ['the scenario', [ENTER, exitPrompt()]],
    ['a knob value', [ENTER, ENTER, 'tweak', 'breaker.openFor', exitPrompt()]],
    ['what next', [ENTER, ENTER, ENTER, ENTER, exitPrompt()]],
  ])('Ctrl-C at %s leaves with 130', async (_where, answers) => {
    const { d } = deps(answers);
    expect(await runMenu(d)).toBe(130);
  });

  it('Ctrl-C during a run (not q) ends the menu with 130', async () => {
    const { d } = deps([ENTER, ENTER, ENTER, ENTER], { run: async () => ({ interrupted: true }) });
    expect(await runMenu(d)).toBe(130);
  });

  it('tweaks knobs, each value checked before it is taken', async () => {
    const { d, runs, asked } = deps([ENTER, ENTER, 'tweak', 'breaker.openFor', { type: ['0', 'soon', '10s'] }, 'breaker.halfOpen', 'lazy', '__done__', 'fast', 'quit']);
    expect(await runMenu(d)).toBe(0);
    expect(runs[0]).toMatchObject({ set: ['breaker.openFor=10s', 'breaker.halfOpen=lazy'], mode: 'fast' });
    const input = asked.find((a) => a.message.startsWith('breaker.openFor'))!;
    expect(input.message).toBe('breaker.openFor — how long to fail fast before probing (1ms to 1h):');
    expect(input.rejected).toEqual([
      'breaker.openFor=0: 0ms is out of range: expected between 1ms and 1h',
      'breaker.openFor=soon: expected a duration like 250ms, 10s or 2m, got the text "soon"',
    ]);
    const knobs = asked.filter((a) => a.message.startsWith('Knobs (')).at(-1)!.choices!;
    expect(knobs.find((ch) => ch.value === 'breaker.openFor')!.name).toMatch(/^\* breaker\.openFor\s+10s$/);
  });

  it('after a run: new seed, compare, explain, tweak, back and quit', async () => {
    const { d, runs, calls, asked } = deps([ENTER, ENTER, ENTER, 'fast', 'new-seed', 'compare', 'explain', 'tweak', 'shoppers.rate', '80/s', '__done__', 'back', '__back__', '__quit__']);
    expect(await runMenu(d)).toBe(0);
    expect(runs.map((r) => [r.seed, r.set.join(' '), r.mode])).toEqual([
      [7, '', 'fast'],
      [42, '', 'fast'],
      [42, 'shoppers.rate=80/s', 'fast'],
    ]);
    expect(calls).toEqual(['compare payment-outage seed 42', 'explain circuit-breaker']);
    // After compare, the same question comes back with compare preselected.
    const whatNext = asked.filter((a) => a.message === 'What next?');
    expect(whatNext.map((a) => a.default)).toEqual([undefined, undefined, 'compare', 'explain', undefined]);
  });

  it('a title that would wrap on a narrow terminal is cut; the goal below stays whole', () => {
    const choices = scenarioChoices(catalogue, 'resilience', { version: 1, scenarios: {}, exercises: {} }, 50);
    for (const ch of choices) expect([...ch.name].length).toBeLessThanOrEqual(46);
    expect(choices[0]!.name).toMatch(/^ {2}payment-outage +Payment goes.*…$/);
    expect(choices[0]!.description).toContain('A breaker stops callers from waiting on a dead dependency, and probes until it is back.');
  });

  it('without a terminal, the equivalent commands in menu order', () => {
    expect(equivalentCommands(catalogue, 'npx patterns')[0]).toMatch(/^npx patterns run payment-outage +# circuit-breaker: Payment goes down; the breaker fails fast and recovers$/);
    expect(menuOrder(catalogue)[0]!.name).toBe('payment-outage');
  });
});
