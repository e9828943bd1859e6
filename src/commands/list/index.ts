import { formatDuration } from '../../core/units.js';
import { patterns, type PatternName } from '../../patterns/registry.js';
import { loadCatalogue } from '../../scenario/catalogue.js';
import type { Scenario } from '../../scenario/model.js';

export interface Listing {
  scenarios: {
    name: string;
    pattern: string;
    title: string;
    goal: string;
    durationMs: number;
    duration: string;
    expectations: number;
    knobs: string[];
    baseline: boolean;
  }[];
  patterns: { name: string; title: string; category: string; summary: string; defaultScenario: string; scenarios: string[] }[];
}

export async function listCommand(): Promise<Listing> {
  const scenarios = await loadCatalogue();
  return {
    scenarios: scenarios.map(entry),
    patterns: (Object.keys(patterns) as PatternName[]).map((name) => {
      const p = patterns[name];
      return {
        name,
        title: p.title,
        category: p.category,
        summary: p.summary,
        defaultScenario: p.defaultScenario,
        scenarios: scenarios.filter((s) => s.pattern === name).map((s) => s.name),
      };
    }),
  };
}

function entry(s: Scenario): Listing['scenarios'][number] {
  return {
    name: s.name,
    pattern: s.pattern,
    title: s.title,
    goal: s.goal,
    durationMs: s.duration,
    duration: formatDuration(s.duration),
    expectations: s.expectations.length,
    knobs: s.knobs.map((k) => k.path),
    baseline: s.hasBaseline,
  };
}
