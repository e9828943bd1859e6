import type { ChalkInstance } from 'chalk';
import { columns } from '../../render/text.js';
import type { Listing } from './index.js';

export function renderListing(listing: Listing, c: ChalkInstance): string {
  const rows = [['scenario', 'pattern', 'duration', 'expect', 'title'].map((h) => c.dim(h))];
  for (const s of listing.scenarios) rows.push([c.bold(s.name), s.pattern, s.duration, String(s.expectations), s.title]);
  const out = ['', ...columns(rows, ['left', 'left', 'right', 'right', 'left']), ''];
  out.push(c.dim('patterns (run one by name to see its default scenario)'));
  const prow = listing.patterns.map((p) => [c.bold(p.name), c.dim(p.category), p.summary, c.dim(`→ ${p.defaultScenario}`)]);
  out.push(...columns(prow), '');
  out.push(c.dim('run one:  patterns run payment-outage    all of them:  patterns run --all --ci'));
  return out.join('\n') + '\n';
}
