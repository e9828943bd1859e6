import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import { closest } from '../../core/suggest.js';
import { DEFAULT_EXERCISES_DIR, EXERCISE_NAME } from '../../exercises/exercise.js';
import { findTemplate, listTemplates } from '../../exercises/templates.js';
import { patternNames, patternOf } from '../../patterns/registry.js';
import { updateProgress } from '../../progress/store.js';
import { catalogueDir, catalogueFiles } from '../../scenario/catalogue.js';
import { loadScenarioText } from '../../scenario/load.js';
import type { CliIO } from '../context.js';

export interface NewFlags {
  pattern?: string;
  dir?: string;
  force?: boolean;
}

export interface NewResult {
  kind: 'exercise' | 'scenario';
  name: string;
  pattern: string;
  /** Absolute paths, in the order they were written. */
  created: string[];
  /** Commands to run next, in order. */
  next: string[];
  /** Where the reader should look first. */
  read?: string | undefined;
}

/** The word that turns `patterns new scenario <name>` into a scenario skeleton rather than an exercise. */
export const SCENARIO_WORD = 'scenario';

export async function newCommand(first: string, second: string | undefined, flags: NewFlags, io: CliIO, cwd = process.cwd()): Promise<NewResult> {
  if (first === SCENARIO_WORD) {
    if (second === undefined) throw new UsageError('which scenario? patterns new scenario <name> --pattern <pattern>', ['e.g. patterns new scenario payment-brownout --pattern circuit-breaker']);
    return newScenario(second, flags, io, cwd);
  }
  if (second !== undefined) throw new UsageError(`one name at a time: patterns new ${first} --pattern <pattern> (got also "${second}")`);
  return newExercise(first, flags, io, cwd);
}

/** Refuses anything but a plain name: no slashes, no dots, no spaces, nothing absolute. */
function checkName(name: string, what: string, example: string): void {
  if (EXERCISE_NAME.test(name)) return;
  const why = path.isAbsolute(name)
        ? 'an absolute path is not a name'
        : name.includes('/') || name.includes('\\')
          ? 'a name cannot contain a slash'
          : name.includes('..')
            ? 'a name cannot contain ".."'
            : /\s/.test(name)
              ? 'a name cannot contain spaces'
              : 'use lower-case letters, digits and dashes, starting with a letter';
  throw new UsageError(`"${name}" is not a simple ${what} name: ${why}`, [`e.g. ${example}`]);
}

async function newExercise(name: string, flags: NewFlags, io: CliIO, cwd: string): Promise<NewResult> {
  checkName(name, 'exercise', 'patterns new my-breaker --pattern circuit-breaker');
  const templates = await listTemplates();
  const available = templates.map((t) => t.pattern);
  if (flags.pattern === undefined) {
    throw new UsageError(`which pattern? patterns new ${name} --pattern <pattern>`, [`templates: ${available.join(', ')}`]);
  }
  const template = await findTemplate(flags.pattern);
  if (!template) {
    const guess = closest(flags.pattern, available);
    const known = patternOf(flags.pattern) !== undefined;
    throw new UsageError(known ? `${flags.pattern} has no exercise template yet` : `unknown pattern "${flags.pattern}"`, [
      ...(guess && !known ? [`did you mean "${guess}"?`] : []),
      `templates: ${available.join(', ')}`,
    ]);
  }
  const dirArg = flags.dir ?? DEFAULT_EXERCISES_DIR;
  const target = path.resolve(cwd, dirArg, name);
  if (existsSync(target) && !flags.force) {
    throw new UsageError(`${path.relative(cwd, target)} already exists`, ['--force writes the template over it (your starter.ts would be replaced)']);
  }

  // Prepare everything first, so a problem leaves nothing half-written.
  const files: { file: string; text: string }[] = [];
  for (const f of template.files) {
    let text = await readFile(path.join(template.dir, f), 'utf8');
    if (f === 'scenario.yaml') text = renamed(text, name);
    if (f.endsWith('.md')) text = text.replaceAll('{{name}}', name).replaceAll('{{invocation}}', io.invocation);
    files.push({ file: path.join(target, f), text });
  }
  if (!template.files.includes('package.json')) {
    // Marks the folder's .ts files as ES modules, so they load as written and stack traces point into them.
    files.push({ file: path.join(target, 'package.json'), text: JSON.stringify({ private: true, type: 'module' }, null, 2) + '\n' });
  }
  await mkdir(target, { recursive: true });
  for (const f of files) await writeFile(f.file, f.text, 'utf8');
  await updateProgress(cwd, (p) => {
    p.exercises[name] = { pattern: template.pattern, passedAt: null, hints: 0 };
  });

  const dirFlag = dirArg === DEFAULT_EXERCISES_DIR ? '' : ` --dir ${dirArg}`;
  return {
    kind: 'exercise',
    name,
    pattern: template.pattern,
    created: files.map((f) => f.file),
    read: path.join(target, 'README.md'),
    next: [`${io.invocation} check ${name}${dirFlag}`, `${io.invocation} check ${name}${dirFlag} --watch`, `${io.invocation} hint ${name}${dirFlag}`],
  };
}

/** The scenario named after the exercise; only its `name:` line changes. */
function renamed(text: string, name: string): string {
  return text.replace(/^name:.*$/m, `name: ${name}`);
}

async function newScenario(name: string, flags: NewFlags, io: CliIO, cwd: string): Promise<NewResult> {
  checkName(name, 'scenario', 'patterns new scenario payment-brownout --pattern circuit-breaker');
  const pattern = flags.pattern;
  const info = pattern !== undefined ? patternOf(pattern) : undefined;
  if (pattern === undefined || !info) {
    const guess = pattern !== undefined ? closest(pattern, patternNames) : undefined;
    throw new UsageError(pattern === undefined ? `which pattern does ${name} show? add --pattern <pattern>` : `unknown pattern "${pattern}"`, [
      ...(guess ? [`did you mean "${guess}"?`] : []),
      `patterns: ${patternNames.join(', ')}`,
    ]);
  }
  const dirArg = flags.dir ?? 'scenarios';
  const file = path.resolve(cwd, dirArg, `${name}.yaml`);
  if (existsSync(file) && !flags.force) throw new UsageError(`${path.relative(cwd, file)} already exists`, ['--force writes over it']);
  const catalogue = (await catalogueFiles()).map((f) => path.basename(f, '.yaml'));
  if (catalogue.includes(name) && path.resolve(path.dirname(file)) !== path.resolve(catalogueDir) && !flags.force) {
    throw new UsageError(`the catalogue already has a scenario called ${name}`, ['choose another name, so `patterns run ' + name + '` stays unambiguous']);
  }

  // The pattern's default scenario is a system that already shows the pattern: start from it,
  // changing only its header comment and three top-level lines, so its layout and notes stay.
  const from = path.join(catalogueDir, `${info.defaultScenario}.yaml`);
  const header = [
    `# ${name}: a scenario for ${pattern}, started from ${info.defaultScenario}.yaml.`,
    '# Change the system, the faults and the expectations to tell your story; keep a baseline',
    '# that breaks at least one expectation (docs/adding-a-pattern.md, docs/scenario-format.md).',
  ].join('\n');
  const text = `${header}\n${(await readFile(from, 'utf8')).replace(/^(?:#.*\n)+/, '')}`
    .replace(/^name:.*$/m, `name: ${name}`)
    .replace(/^title:.*$/m, `title: "TODO: what happens, in one line (${pattern})"`)
    .replace(/^goal:.*$/m, 'goal: "TODO: what this scenario teaches, in one line"');
  // Validated before it is written: the skeleton must run as it stands.
  loadScenarioText(file, text);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, text, 'utf8');
  const rel = path.relative(cwd, file);
  return {
    kind: 'scenario',
    name,
    pattern,
    created: [file],
    next: [`${io.invocation} run ${rel} --ci`, `${io.invocation} run ${rel} --ci --baseline`],
  };
}
