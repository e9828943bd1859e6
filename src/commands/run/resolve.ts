import path from 'node:path';
import { catalogueDir, catalogueFiles, resolveScenario } from '../../scenario/catalogue.js';
import type { Scenario } from '../../scenario/model.js';
import type { CliIO } from '../context.js';

export interface Entry {
  /** What to type to run it again: a catalogue name, or the path given. */
  arg: string;
  file: string;
  /** The variant a pattern name stands for (`run refresh-ahead`), unless the flags name one. */
  variant?: string;
}

/** Scenario files for `run`'s arguments (names, patterns, paths) or for `--all`. */
export async function resolveEntries(targets: readonly string[], all: boolean, io: Pick<CliIO, 'stderr'>, quiet = false): Promise<Entry[]> {
  const entries: Entry[] = all ? (await catalogueFiles()).map((file) => ({ arg: baseName(file), file })) : [];
  for (const t of targets) {
    const resolved = await resolveScenario(t);
    if (resolved.via && !quiet) io.stderr.write(`${resolved.via}\n`);
    entries.push({ arg: isCatalogue(resolved.file) ? baseName(resolved.file) : t, file: resolved.file, ...(resolved.variant !== undefined ? { variant: resolved.variant } : {}) });
  }
  return entries;
}

function baseName(file: string): string {
  return path.basename(file).replace(/\.ya?ml$/, '');
}

export function isCatalogue(file: string): boolean {
  return path.resolve(path.dirname(file)) === path.resolve(catalogueDir);
}

/** The exact command that replays a run: same scenario, seed, knobs, duration and variant. */
export function reproduceCommand(invocation: string, arg: string, scenario: Scenario, flags: { set?: readonly string[] | undefined; duration?: string | undefined }): string {
  const parts = [invocation, 'run', quote(arg), '--seed', String(scenario.seed)];
  for (const s of flags.set ?? []) parts.push('--set', quote(s));
  if (flags.duration !== undefined) parts.push('--duration', quote(flags.duration));
  if (scenario.variant === 'baseline') parts.push('--baseline');
  else if (scenario.variant !== 'main') parts.push('--variant', scenario.variant);
  return parts.join(' ');
}

export function quote(text: string): string {
  return /^[\w@%+=:,./-]+$/.test(text) ? text : `'${text.replace(/'/g, `'\\''`)}'`;
}
