import path from 'node:path';
import type { ChalkInstance } from 'chalk';
import type { NewResult } from './index.js';

export function renderNew(result: NewResult, c: ChalkInstance, cwd: string): string {
  const rel = (p: string) => path.relative(cwd, p) || '.';
  const lines = result.created.map((f) => `${c.green('created')} ${rel(f)}`);
  lines.push('');
  if (result.kind === 'exercise') {
    lines.push(`Read ${rel(result.read!)}, then fill in the TODOs of ${rel(path.join(path.dirname(result.read!), 'starter.ts'))}.`);
    lines.push(`Next: ${c.bold(result.next[0]!)}`);
    lines.push(c.dim(`      ${result.next[1]}   re-runs on every save`));
    lines.push(c.dim(`      ${result.next[2]}   one hint at a time`));
  } else {
    lines.push(`Next: ${c.bold(result.next[0]!)}   every expectation should hold`);
    lines.push(`      ${result.next[1]}   at least one should break`);
  }
  return lines.join('\n') + '\n';
}
