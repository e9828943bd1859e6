import { UsageError } from '../../core/errors.js';
import { closest } from '../../core/suggest.js';
import type { Card } from '../../explain/card.js';
import { cards } from '../../explain/registry.js';
import { patternOf, patterns, type Category, type PatternInfo, type PatternName } from '../../patterns/registry.js';
import { loadCatalogue } from '../../scenario/catalogue.js';
import type { Scenario } from '../../scenario/model.js';

export interface ScenarioRef {
  name: string;
  title: string;
  goal: string;
  /** What `patterns run <pattern>` runs. */
  isDefault: boolean;
  hasBaseline: boolean;
}

export interface CardExplanation {
  kind: 'card';
  name: string;
  title: string;
  category: Category;
  summary: string;
  card: Card;
  scenarios: ScenarioRef[];
  /** Set when the user named a scenario and got its pattern's card. */
  via?: string;
}

export interface IndexExplanation {
  kind: 'index';
  categories: { category: Category; patterns: { name: string; title: string; summary: string; scenarios: number }[] }[];
}

export type Explanation = CardExplanation | IndexExplanation;

/** Order in which categories are shown, here and in the menu. */
export const categoryOrder: readonly Category[] = ['resilience', 'traffic', 'messaging', 'data', 'coordination'];

/** The scenarios that show a pattern: those whose `pattern:` names it, and its default scenario. */
function showing(scenarios: readonly Scenario[], name: PatternName): Scenario[] {
  const info = patterns[name];
  return scenarios.filter((s) => s.pattern === name || s.name === info.defaultScenario);
}

/** Every pattern with a card, in registry order. */
function explained(): [PatternName, PatternInfo, Card][] {
  return (Object.keys(cards) as PatternName[]).filter((name) => patternOf(name)).map((name) => [name, patterns[name], cards[name]]);
}

/** `patterns explain` (an index by category) or `patterns explain <pattern>` (its card). */
export async function explainCommand(name: string | undefined, catalogue?: readonly Scenario[]): Promise<Explanation> {
  const scenarios = catalogue ?? (await loadCatalogue());
  const all = explained();
  if (name === undefined) {
    const categories = categoryOrder
      .map((category) => ({
        category,
        patterns: all
          .filter(([, info]) => info.category === category)
          .map(([n, info]) => ({ name: n, title: info.title, summary: info.summary, scenarios: showing(scenarios, n).length })),
      }))
      .filter((c) => c.patterns.length > 0);
    return { kind: 'index', categories };
  }
  let wanted = name;
  let via: string | undefined;
  const scenario = scenarios.find((s) => s.name === name);
  if (!patternOf(name) && scenario) {
    wanted = scenario.pattern;
    via = `${name} shows ${scenario.pattern}`;
  }
  const entry = all.find(([n]) => n === wanted);
  if (!entry) {
    const guess = closest(name, [...all.map(([n]) => n), ...scenarios.map((s) => s.name)]);
    throw new UsageError(`no pattern called "${name}"`, [...(guess ? [`did you mean "${guess}"?`] : []), `patterns: ${all.map(([n]) => n).join(', ')}`, 'see `patterns explain` for the list']);
  }
  const [pattern, info, card] = entry;
  return {
    kind: 'card',
    name: pattern,
    title: info.title,
    category: info.category,
    summary: info.summary,
    card,
    scenarios: showing(scenarios, pattern)
      .map((s) => ({ name: s.name, title: s.title, goal: s.goal, isDefault: s.name === info.defaultScenario, hasBaseline: s.hasBaseline }))
      .sort((a, b) => Number(b.isDefault) - Number(a.isDefault) || a.name.localeCompare(b.name)),
    ...(via ? { via } : {}),
  };
}
