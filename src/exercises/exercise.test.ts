import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ScenarioError } from '../core/errors.js';
import { loadScenarioText } from '../scenario/load.js';
import { defaultSeeds, resolveExercises } from './exercise.js';

const scenario = (implementation: string) => `
name: x
title: a tiny exercise scenario
pattern: timeout
goal: checks the implementation field
duration: 1s
components:
  svc: { kind: service }
  limit: { kind: timeout, after: 100ms, implementation: ${implementation} }
  caller: { kind: client, calls: svc, via: [limit] }
expect:
  - { says: calls are made, metric: svc.calls, atLeast: 0 }
`;

describe('implementation: in a scenario', () => {
  it('is resolved beside the scenario file and kept off the kind’s own config', () => {
    const s = loadScenarioText('/work/ex/scenario.yaml', scenario('./starter.ts'));
    const limit = s.components.find((c) => c.name === 'limit')!;
    expect(limit.implementation).toBe('/work/ex/starter.ts');
    expect(limit.config).toEqual({ kind: 'timeout', after: 100 });
  });

  it.each([['42'], ['./starter.py'], ['[a, b]']])('refuses %s with its place in the file', (value) => {
    try {
      loadScenarioText('s.yaml', scenario(value));
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(ScenarioError);
      expect((error as ScenarioError).problems[0]).toMatchObject({ line: 9, path: 'components.limit.implementation' });
      expect((error as ScenarioError).message).toContain('expected a path to a .ts or .js file');
    }
  });
});

describe('resolveExercises', () => {
  const root = mkdtempSync(path.join(tmpdir(), 'exercises-'));
  const dir = path.join(root, 'exercises');
  for (const name of ['alpha', 'beta']) {
    mkdirSync(path.join(dir, name), { recursive: true });
    writeFileSync(path.join(dir, name, 'scenario.yaml'), scenario('./starter.ts'));
  }
  mkdirSync(path.join(dir, 'notes'));
  writeFileSync(path.join(dir, 'notes', 'x.yaml'), 'name: just-yaml\n');

  it.each([
    ['a name', 'alpha', root, ['alpha']],
    ['a path', './exercises/beta', root, ['beta']],
    ['nothing, from the root: every exercise', undefined, root, ['alpha', 'beta']],
    ['nothing, from inside one: that one', undefined, path.join(dir, 'beta'), ['beta']],
  ])('finds by %s', async (_what, target, cwd, names) => {
    const prev = process.cwd();
    process.chdir(cwd);
    try {
      expect((await resolveExercises(target, dir, cwd)).map((e) => e.name)).toEqual(names);
    } finally {
      process.chdir(prev);
    }
  });

  it.each([
    ['notes', 'no exercise "notes" in exercises/'],
    ['alpah', 'did you mean "alpha"?'],
  ])('refuses %s', async (target, message) => {
    await expect(resolveExercises(target, dir, root)).rejects.toSatisfy((e: Error & { details?: string[] }) => [e.message, ...(e.details ?? [])].some((l) => l.includes(message)));
  });
});

describe('defaultSeeds', () => {
  it('starts from the scenario’s seed', () => {
    expect(defaultSeeds(7, 3)).toEqual([7, 8, 9]);
    expect(defaultSeeds(4_294_967_295, 2)).toEqual([4_294_967_295, 0]);
  });
});
