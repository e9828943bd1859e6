/**
 * The one invariant: time and chance are injected. Pattern and engine code never read the
 * wall clock or Math.random; only src/core/real-clock.ts may touch real time.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runToEnd } from '../src/engine/run.js';
import { loadCatalogue } from '../src/scenario/catalogue.js';
import { root } from './cli.js';

const FORBIDDEN = /\b(Date\.now|new Date\(|performance\.now|Math\.random|setTimeout|setInterval|setImmediate|process\.hrtime)\b/;
/** Files allowed to touch real time: the real clock, and the CLI/render layers that pace and draw. */
const ALLOWED = new Set(['src/core/real-clock.ts']);
/** The real-broker adapters run on real time by nature (heartbeats, ack timeouts, connect timeouts). */
const REAL_ADAPTERS = /^src\/brokers\/(redis|rabbitmq|kafka)\//;
const SIMULATED = ['src/core', 'src/components', 'src/patterns', 'src/faults', 'src/engine', 'src/scenario', 'src/exercises', 'src/brokers'];

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = path.join(dir, name);
    if (statSync(full).isDirectory()) return sources(full);
    return name.endsWith('.ts') && !name.endsWith('.test.ts') ? [full] : [];
  });
}

describe('time and chance are injected', () => {
  it.each(SIMULATED)('no source file in %s reads real time or Math.random', (dir) => {
    for (const file of sources(path.join(root, dir))) {
      const rel = path.relative(root, file);
      if (ALLOWED.has(rel) || REAL_ADAPTERS.test(rel.split(path.sep).join('/'))) continue;
      const code = readFileSync(file, 'utf8')
        .replace(/\/\*[\s\S]*?\*\//g, '')
        .replace(/\/\/.*$/gm, '');
      expect(FORBIDDEN.exec(code)?.[0], `${rel} reads real time or Math.random`).toBeUndefined();
    }
  });

  afterEach(() => vi.restoreAllMocks());

  it('every catalogue scenario runs to the end with the wall clock and Math.random booby-trapped', async () => {
    const scenarios = await loadCatalogue();
    const trap = () => {
      throw new Error('pattern code read the wall clock or Math.random');
    };
    vi.spyOn(Math, 'random').mockImplementation(trap);
    vi.spyOn(Date, 'now').mockImplementation(trap);
    for (const s of scenarios) {
      const result = await runToEnd(s);
      expect(result.simulatedMs).toBe(s.duration);
    }
  });
});
