import path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { ChalkInstance } from 'chalk';
import { formatClock } from '../../core/units.js';
import type { Step } from '../../exercises/divergence.js';
import type { LearnerFaultInfo } from '../../exercises/learner.js';
import type { SeedResult } from '../../exercises/session.js';
import { DEFAULT_EXERCISES_DIR } from '../../exercises/exercise.js';
import { paintState } from '../../render/colour.js';
import type { CheckOutcome, ExerciseCheck } from './index.js';

export interface CheckRenderContext {
  cwd: string;
  /** How the user runs the tool (`npx patterns`), for the next commands. */
  invocation: string;
}

/** The report of `patterns check`: each seed's verdict, each expectation yours vs expected vs built-in, the first difference. */
export function renderCheck(outcome: CheckOutcome, c: ChalkInstance, ctx: CheckRenderContext): string {
  const parts = outcome.exercises.map((ex) => renderExercise(ex, outcome, c, ctx));
  if (outcome.exercises.length > 1) {
    const passing = outcome.exercises.filter((e) => e.passed).length;
    parts.push(`${passing === outcome.exercises.length ? c.green('✓') : c.red('✗')} ${passing} of ${outcome.exercises.length} exercises pass\n`);
  }
  if (outcome.interrupted) parts.push(c.yellow('interrupted\n'));
  return parts.join('\n');
}

function renderExercise(ex: ExerciseCheck, outcome: CheckOutcome, c: ChalkInstance, ctx: CheckRenderContext): string {
  const rel = relativizer(ex.dir, ctx.cwd);
  const lines: string[] = [];
  const files = [...new Set(ex.scenarios.map((s) => s.implementation))].map((f) => rel(f));
  lines.push(`${c.bold(ex.name)} · ${ex.pattern} exercise · ${files.join(', ')}`);

  if (ex.findings.length > 0) {
    lines.push('', `${c.red('✗')} ${c.bold('breaks the one invariant')}: time and chance are handed to your code, never read from the machine`);
    for (const f of ex.findings) {
      lines.push(`    ${rel(f.file)}:${f.line}:${f.column}  ${c.red(f.what)} ${c.dim(`— ${f.instead}`)}`);
      lines.push(`        ${c.dim(f.text)}`);
    }
  }

  for (const s of ex.scenarios) {
    lines.push('', `${c.bold(s.name)} · ${s.title}`);
    const results = ex.results.filter((r) => r.file === s.file);
    // The first seed in full, and the first that fails or differs if the first did not;
    // the others briefly, unless they fail differently.
    const interesting = (r: SeedResult) => !r.passed || r.divergence !== undefined;
    let detailed: SeedResult | undefined;
    for (const r of results) {
      const full = detailed === undefined || (!interesting(detailed) && interesting(r));
      if (full) detailed = r;
      lines.push(...renderSeed(r, full ? undefined : detailed, s.kind, c, rel));
    }
    if (ex.stopped && (ex.stopped.file === undefined || ex.stopped.file === s.file)) {
      const seed = ex.stopped.seed !== undefined ? `seed ${ex.stopped.seed}` : 'loading';
      lines.push(`  ${seed.padEnd(8)} ${c.red('✗')} ${c.red('stopped')}: ${faultHeadline(ex.stopped.fault)}`);
      lines.push(...faultDetail(ex.stopped.fault, c, rel));
    }
  }

  if (ex.printed.length > 0) {
    const more = ex.printedLines > ex.printed.length ? ` (the first ${ex.printed.length} of ${ex.printedLines} lines)` : '';
    lines.push('', c.dim(`your code printed${more}:`));
    for (const p of ex.printed) lines.push(c.dim(`  │ ${p}`));
  }

  lines.push('', ...footer(ex, outcome, c, ctx, rel));
  return lines.join('\n') + '\n';
}

/** One seed's verdict: in full, or (given the seed shown in full) only what is new. */
function renderSeed(r: SeedResult, shownBefore: SeedResult | undefined, kind: string, c: ChalkInstance, rel: (p: string) => string): string[] {
  const full = shownBefore === undefined;
  const label = `seed ${r.seed}`.padEnd(8);
  if (r.fault) {
    return [`  ${label} ${c.red('✗')} ${faultHeadline(r.fault)}`, ...faultDetail(r.fault, c, rel)];
  }
  const counted = r.expectations.filter((e) => !e.skipped);
  const failed = counted.filter((e) => !e.passed);
  const verdict = failed.length === 0 ? `${c.green('✓')} all ${counted.length} expectations held` : `${c.red('✗')} ${failed.length} of ${counted.length} expectations failed`;
  const same = r.divergence === undefined ? c.dim(` · the same ${r.steps.reference} steps as the built-in ${kind}`) : '';
  const failedIds = (x: SeedResult) => x.expectations.filter((e) => !e.passed && !e.skipped).map((e) => e.id).join(',');
  const asBefore = !full && failed.length > 0 && !shownBefore.fault && failedIds(r) === failedIds(shownBefore);
  const lines = [`  ${label} ${verdict}${asBefore ? c.dim(` (the same as seed ${shownBefore.seed})`) : ''}${same}`];
  const shown = full ? r.expectations : asBefore ? [] : failed;
  for (const e of shown) {
    if (e.skipped) continue;
    if (e.passed) {
      lines.push(`      ${c.green('✓')} ${e.says}  ${c.dim(e.measured)}`);
      continue;
    }
    if (!full) {
      lines.push(`      ${c.red('✗')} ${e.says}  ${c.red(e.measured)}`);
      continue;
    }
    lines.push(`      ${c.red('✗')} ${e.says}`);
    lines.push(`          ${'yours'.padEnd(9)} ${c.red(e.measured)}`);
    lines.push(`          ${'expected'.padEnd(9)} ${e.expected}`);
    lines.push(`          ${'built-in'.padEnd(9)} ${c.dim(e.reference.measured)}${e.reference.passed ? '' : c.yellow(' (fails too)')}`);
  }
  if (r.divergence) {
    const d = r.divergence;
    const common = d.agreed === 1 ? '1 step in common' : `${d.agreed} steps in common`;
    if (full) {
      lines.push(`      ${c.yellow('first difference from the built-in')} ${kind} ${c.dim(`(after ${common})`)}:`);
      lines.push(`          ${'built-in'.padEnd(9)} ${stepText(d.reference, c)}`);
      lines.push(`          ${'yours'.padEnd(9)} ${stepText(d.yours, c)}`);
    } else {
      const first = earlier(d.yours, d.reference);
      lines.push(`      ${c.yellow('differs from the built-in')} at ${first ? formatClock(first.t) : 'the end'} ${c.dim(`(after ${common})`)}`);
    }
  }
  return lines;
}

function earlier(a: Step | undefined, b: Step | undefined): Step | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.t <= b.t ? a : b;
}

function stepText(step: Step | undefined, c: ChalkInstance): string {
  if (!step) return c.dim('(nothing more: the run ended)');
  const what = /^(\S+) → (\S+)$/.exec(step.what);
  const shown = what ? `${paintState(c, what[1]!)} → ${paintState(c, what[2]!)}` : step.what;
  return `${formatClock(step.t)}  ${step.component}  ${shown}${step.cause ? `  ${c.dim(step.cause)}` : ''}`;
}

function faultHeadline(f: LearnerFaultInfo): string {
  const at = f.at !== undefined && f.hook !== 'module load' && f.hook !== 'create' ? ` at ${formatClock(f.at)}` : '';
  const inHook = f.hook ? ` in ${f.hook}${at}` : at;
  switch (f.kind) {
    case 'load':
      return 'your module did not load';
    case 'shape':
      return `your code does not fit the exercise's contract${inHook}`;
    case 'threw':
      return `your code threw${inHook}`;
    case 'async':
    case 'invalid':
      return `your code answered something the simulator cannot use${inHook}`;
    case 'invariant':
      return `your code read real time or chance${inHook}`;
    case 'stuck':
      return 'the simulation stopped advancing';
    case 'timeout':
      return `your code did not return${inHook}`;
    case 'never-settled':
      return `your code never finished${inHook}`;
    case 'crashed':
      return `your code crashed the runner${inHook}`;
  }
}

function faultDetail(f: LearnerFaultInfo, c: ChalkInstance, rel: (p: string) => string): string[] {
  const lines = f.message.split('\n').map((l) => `      ${c.red(rel(l))}`);
  for (const frame of f.stack ?? []) lines.push(`        ${c.dim(rel(frame))}`);
  return lines;
}

function footer(ex: ExerciseCheck, outcome: CheckOutcome, c: ChalkInstance, ctx: CheckRenderContext, rel: (p: string) => string): string[] {
  const dirFlag = outcome.dir === DEFAULT_EXERCISES_DIR ? '' : ` --dir ${outcome.dir}`;
  const seeds = ex.seeds.join(', ');
  if (ex.interrupted) return [c.yellow(`${ex.name}: interrupted before every seed ran`)];
  if (ex.passed) {
    const lines = [`${c.green('✓')} ${c.bold(ex.name)} passes: every expectation held under seed${ex.seeds.length > 1 ? 's' : ''} ${seeds}.`];
    const differing = ex.results.filter((r) => r.divergence).map((r) => r.seed);
    if (differing.length > 0) {
      lines.push(c.dim(`  It still differs from the built-in on seed${differing.length > 1 ? 's' : ''} ${[...new Set(differing)].join(', ')}: the expectations allow it, but the difference above may be worth a look.`));
    }
    if (ex.firstPass) lines.push(c.dim(`  Recorded in .patterns/progress.json.`));
    return lines;
  }
  const impl = [...new Set(ex.scenarios.map((s) => rel(s.implementation)))].join(', ');
  const lines = [`${c.red('✗')} ${c.bold(ex.name)}: not yet.`];
  lines.push(`  next: edit ${impl}, then ${ctx.invocation} check ${ex.name}${dirFlag}   ${c.dim('(add --watch to re-run on every save)')}`);
  if (ex.hints.total > 0) {
    const left = ex.hints.total - ex.hints.seen;
    lines.push(`  stuck? ${ctx.invocation} hint ${ex.name}${dirFlag}   ${c.dim(left > 0 ? `(hint ${ex.hints.seen + 1} of ${ex.hints.total})` : `(all ${ex.hints.total} hints seen)`)}`);
  }
  return lines;
}

/** Shortens absolute paths inside the exercise (and file URLs to them) to paths relative to where the user stands. */
function relativizer(dir: string, cwd: string): (text: string) => string {
  const abs = path.resolve(dir);
  const relDir = path.relative(cwd, abs) || '.';
  const url = pathToFileURL(abs).href;
  return (text) => (path.isAbsolute(text) && !text.includes(' ') ? path.relative(cwd, text) || '.' : text.split(url).join(relDir).split(abs).join(relDir));
}
