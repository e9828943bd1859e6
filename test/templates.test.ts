/**
 * The author gate: every exercise template is complete, its untouched starter fails its
 * scenario, and its reference solution passes it — matching the built-in step for step —
 * under the seeds `patterns check` uses.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { scanSource } from '../src/commands/check/scan.js';
import { defaultSeeds, DEFAULT_SEEDS, loadExerciseScenario } from '../src/exercises/exercise.js';
import { inProcessHost, LearnerCalls } from '../src/exercises/learner.js';
import { checkSeed, type SeedResult } from '../src/exercises/session.js';
import { listTemplates, readHints, templatesDir, type Template } from '../src/exercises/templates.js';
import { patternOf } from '../src/patterns/registry.js';

const templates = await listTemplates();
const byName = templates.map((t) => [t.pattern, t] as const);

async function checkWith(template: Template, file: string): Promise<SeedResult[]> {
  const out: SeedResult[] = [];
  for (const name of template.scenarios) {
    const first = await loadExerciseScenario(path.join(template.dir, name));
    for (const seed of defaultSeeds(first.scenario.seed, DEFAULT_SEEDS)) {
      const ex = await loadExerciseScenario(path.join(template.dir, name), { seed });
      const calls = new LearnerCalls(inProcessHost, (line) => line.includes(template.dir));
      out.push(await checkSeed(ex.scenario, { component: ex.component.name, contract: ex.contract, loadModule: () => import(pathToFileURL(file).href), calls }));
    }
  }
  return out;
}

describe('exercise templates', () => {
  it('every folder under templates/ is a template, and there are some', () => {
    const folders = readdirSync(templatesDir).filter((n) => statSync(path.join(templatesDir, n)).isDirectory());
    expect(folders.sort()).toEqual(templates.map((t) => t.pattern).sort());
    expect(templates.map((t) => t.pattern)).toEqual(expect.arrayContaining(['circuit-breaker', 'retry', 'idempotent-consumer', 'transactional-outbox', 'saga-orchestration', 'cache-aside', 'leader-election']));
  });

  it.each(byName)('%s has its files: a scenario, a README, a starter, a solution, hints', async (name, t) => {
    expect(patternOf(t.pattern), `${name} names an unknown pattern`).toBeDefined();
    expect(path.basename(t.dir)).toBe(t.pattern);
    for (const f of ['README.md', 'starter.ts', 'solution.ts', 'hints.md']) expect(existsSync(path.join(t.dir, f)), `${name}/${f}`).toBe(true);
    expect(t.scenarios.length).toBeGreaterThan(0);
    expect((await readHints(t)).length).toBeGreaterThanOrEqual(3);
    const readme = readFileSync(path.join(t.dir, 'README.md'), 'utf8');
    expect(readme).toContain('check {{name}}');
    expect(t.files).not.toContain('solution.ts');
    expect(t.files).not.toContain('hints.md');
  });

  it.each(byName)('%s: every scenario runs the starter, and validates', async (_name, t) => {
    for (const name of t.scenarios) {
      const ex = await loadExerciseScenario(path.join(t.dir, name));
      expect(ex.component.implementation).toBe(path.join(t.dir, 'starter.ts'));
      expect(ex.scenario.pattern).toBe(t.pattern);
    }
  });

  it.each(byName)('%s: starter and solution keep the one invariant', (_name, t) => {
    for (const f of ['starter.ts', 'solution.ts']) {
      const file = path.join(t.dir, f);
      expect(scanSource(file, readFileSync(file, 'utf8'))).toEqual([]);
    }
  });

  it.each(byName)('%s: the untouched starter runs but fails its scenario', async (_name, t) => {
    const results = await checkWith(t, path.join(t.dir, 'starter.ts'));
    expect(results.map((r) => r.fault)).toEqual(results.map(() => undefined));
    expect(results.some((r) => !r.passed)).toBe(true);
  });

  it.each(byName)('%s: the reference solution passes under every default seed and matches the built-in', async (_name, t) => {
    const results = await checkWith(t, t.solution);
    for (const r of results) {
      const failed = r.expectations.filter((e) => !e.passed).map((e) => `seed ${r.seed}: ${e.says}: ${e.measured}`);
      expect(r.fault).toBeUndefined();
      expect(failed).toEqual([]);
      expect(r.divergence, `seed ${r.seed} differs from the built-in`).toBeUndefined();
      expect(r.steps.yours).toBeGreaterThan(0);
    }
  });
});
