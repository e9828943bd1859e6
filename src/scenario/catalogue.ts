import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../core/errors.js';
import { closest } from '../core/suggest.js';
import { patternNames, patternOf } from '../patterns/registry.js';
import { loadScenarioFile } from './load.js';
import type { Scenario } from './model.js';

/** The scenarios shipped with the tool: `scenarios/*.yaml` at the package root. */
export const catalogueDir = fileURLToPath(new URL('../../scenarios/', import.meta.url));

export async function catalogueFiles(dir = catalogueDir): Promise<string[]> {
  const names = await readdir(dir);
  return names
    .filter((n) => n.endsWith('.yaml') || n.endsWith('.yml'))
    .sort()
    .map((n) => path.join(dir, n));
}

export async function loadCatalogue(dir = catalogueDir): Promise<Scenario[]> {
  const files = await catalogueFiles(dir);
  return Promise.all(files.map((f) => loadScenarioFile(f)));
}

export function looksLikePath(arg: string): boolean {
  return /\.ya?ml$/i.test(arg) || arg.includes('/') || arg.includes(path.sep) || arg.startsWith('.');
}

/**
 * What `patterns run <arg>` means: a file path, a scenario of the catalogue, or a pattern
 * (which runs that pattern's default scenario).
 */
export async function resolveScenario(arg: string, dir = catalogueDir): Promise<{ file: string; via?: string; variant?: string }> {
  if (looksLikePath(arg)) {
    if (!existsSync(arg)) throw new UsageError(`no such scenario file: ${arg}`);
    return { file: arg };
  }
  const files = await catalogueFiles(dir);
  const byName = new Map(files.map((f) => [path.basename(f).replace(/\.ya?ml$/, ''), f]));
  const direct = byName.get(arg);
  if (direct) return { file: direct };
  const pattern = patternOf(arg);
  if (pattern) {
    const file = byName.get(pattern.defaultScenario);
    if (file && pattern.defaultVariant !== undefined) {
      return { file, variant: pattern.defaultVariant, via: `${arg} runs its default scenario, ${pattern.defaultScenario}, as its ${pattern.defaultVariant} variant` };
    }
    if (file) return { file, via: `${arg} runs its default scenario, ${pattern.defaultScenario}` };
  }
  if (existsSync(arg)) return { file: arg };
  const all = [...byName.keys(), ...patternNames];
  const guess = closest(arg, all);
  throw new UsageError(`unknown scenario or pattern "${arg}"`, [
    ...(guess ? [`did you mean "${guess}"?`] : []),
    `scenarios: ${[...byName.keys()].join(', ')}`,
    `patterns: ${patternNames.join(', ')}`,
    'see `patterns list`, or give a path to a scenario file',
  ]);
}
