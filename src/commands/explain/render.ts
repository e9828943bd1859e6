import type { ChalkInstance } from 'chalk';
import { columns, padEnd, truncate, visibleWidth, wrap } from '../../render/text.js';
import type { CardExplanation, Explanation, IndexExplanation } from './index.js';

/** Cards read best narrow; wider terminals still get 88 columns. */
const MAX_WIDTH = 88;

export function renderExplanation(e: Explanation, c: ChalkInstance, width: number, invocation: string): string {
  return e.kind === 'index' ? renderIndex(e, c, Math.max(60, width), invocation) : renderCard(e, c, Math.min(MAX_WIDTH, Math.max(40, width)), invocation);
}

function renderIndex(e: IndexExplanation, c: ChalkInstance, width: number, invocation: string): string {
  const out: string[] = [''];
  for (const cat of e.categories) {
    out.push(c.bold(cat.category));
    const rows = cat.patterns.map((p) => [`  ${c.cyan(p.name)}`, c.dim(p.scenarios === 1 ? '1 scenario ' : `${p.scenarios} scenarios`), p.summary]);
    // The summary comes last and gives way: a line never wraps in the terminal.
    out.push(...columns(rows).map((line) => truncate(line, width)), '');
  }
  out.push(c.dim(`read one:  ${invocation} explain circuit-breaker`));
  return out.join('\n') + '\n';
}

function renderCard(e: CardExplanation, c: ChalkInstance, width: number, invocation: string): string {
  const card = e.card;
  const out: string[] = [''];
  if (e.via) out.push(c.dim(e.via), '');
  out.push(`${c.bold(e.title)}  ${c.dim(`${e.name} · ${e.category}`)}`);
  out.push(...wrap(e.summary, width).map((l) => c.italic(l)));
  const heading = (text: string) => out.push('', c.bold.cyan(text));
  const para = (text: string) => out.push(...wrap(text, width, '  '));
  const bullets = (items: readonly string[]) => {
    for (const item of items) {
      const [first, ...rest] = wrap(item, width, '    ');
      out.push(`  • ${first!.trimStart()}`, ...rest);
    }
  };

  heading('The problem');
  para(card.problem);
  heading('How it works');
  para(card.how);
  heading('States');
  out.push(...card.diagram.replace(/^\n/, '').split('\n').map((l) => `  ${l}`));
  heading('Knobs and what they trade');
  const knobWidth = Math.min(32, Math.max(...card.knobs.map((k) => visibleWidth(k.knob))));
  for (const k of card.knobs) {
    const indent = ' '.repeat(knobWidth + 4);
    const [first, ...rest] = wrap(k.trade, width, indent);
    const name = visibleWidth(k.knob) > knobWidth ? [`  ${c.cyan(k.knob)}`, first!] : [`  ${c.cyan(padEnd(k.knob, knobWidth))}  ${first!.trimStart()}`];
    out.push(...name, ...rest);
  }
  heading('Use it');
  bullets(card.use);
  heading('Not for');
  bullets(card.avoid);
  heading('Common mistakes');
  bullets(card.mistakes);
  heading('See it run');
  if (e.scenarios.length === 0) out.push(c.dim('  no scenario in the catalogue shows it yet'));
  for (const s of e.scenarios) {
    out.push(`  ${c.bold(`${invocation} run ${s.name}`)}${s.isDefault ? c.dim('  (its default scenario)') : ''}`);
    out.push(...wrap(`${s.title}. ${s.goal}`, width, '      ').map((l) => c.dim(l)));
    if (s.hasBaseline) out.push(c.dim(`      with and without it: ${invocation} run ${s.name} --compare`));
  }
  if (card.related.length > 0) {
    out.push('', ...wrap(`related: ${card.related.join(', ')}`, width).map((l) => l.replace(/^related:/, c.dim('related:'))));
    out.push(c.dim(`  → ${invocation} explain ${card.related[0]}`));
  }
  return out.join('\n') + '\n';
}
