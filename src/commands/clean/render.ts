import type { ChalkInstance } from 'chalk';
import type { CleanResult } from './index.js';

/** What clean removed (or would), run by run, and what it left alone. */
export function renderClean(result: CleanResult, c: ChalkInstance): string {
  const verb = result.dryRun ? 'would remove' : 'removed';
  const total = result.runs.reduce((n, r) => n + r.removed.length, 0) + result.other.length;
  const out = [''];
  out.push(`${c.bold(result.broker)}: ${verb} ${plural(total, 'name')}${result.runs.length > 0 ? ` of ${plural(result.runs.length, 'run')}` : ''}`);
  for (const run of result.runs) {
    const about = run.manifest
      ? [`killed run, pid ${run.pid}`, run.started ? `started ${run.started}` : '', run.scenario ?? ''].filter(Boolean).join(', ')
      : 'found on the broker, no manifest here';
    out.push(`  ${c.cyan(run.runId)}  ${c.dim(`(${about})`)}`);
    for (const name of run.removed) out.push(`    ${name}`);
    if (run.removed.length === 0) out.push(c.dim(result.dryRun ? '    nothing listed; its manifest would be removed' : '    nothing was left; its manifest is gone'));
  }
  for (const name of result.other) out.push(`  ${name}`);
  for (const r of result.running) {
    out.push(c.yellow(`  left alone: run ${r.runId} is still running (pid ${r.pid} on ${r.host}, started ${r.started})`));
  }
  if (result.dryRun && !result.listed) {
    out.push(c.dim(`  the ${result.adapter} adapter cannot list the broker: these names come from the manifests in .patterns/runs/`));
  }
  if (total === 0 && result.runs.length === 0) {
    out.push(
      result.listed
        ? c.green('  nothing under patterns. was left: the broker is clean')
        : c.dim(`  no manifests of killed runs here, and the ${result.adapter} adapter cannot list the broker to find others`),
    );
  }
  if (result.dryRun) out.push(c.dim('  (dry run: nothing was removed; run again without --dry-run)'));
  return out.join('\n') + '\n';
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
