import path from 'node:path';
import type { ChalkInstance } from 'chalk';
import type { HintResult } from './index.js';

export function renderHint(r: HintResult, c: ChalkInstance, ctx: { cwd: string; invocation: string; dirFlag: string }): string {
  const lines: string[] = [];
  for (const h of r.shown) {
    lines.push(`${c.bold(`hint ${h.number} of ${r.total}`)} · ${r.name} (${r.pattern}) · ${c.bold(h.title)}`, '', h.body, '');
  }
  const again = `${ctx.invocation} hint ${r.name}${ctx.dirFlag}`;
  if (r.shown.length === 0 && !r.exhausted) lines.push(`No hints seen yet: ${again}`);
  else if (r.exhausted) {
    lines.push(c.dim(`That is all ${r.total} hints. The reference solution, if you want to compare: ${path.relative(ctx.cwd, r.solution)}`));
  } else {
    lines.push(c.dim(`Still stuck? ${again} (hint ${r.seen + 1} of ${r.total}).`));
  }
  return lines.join('\n') + '\n';
}
