import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RunResult } from '../engine/run.js';
import { earnsCheckmark, recordRun, type RecordContext } from './record.js';
import { loadProgress } from './store.js';

const result = (over: { passed?: boolean; interrupted?: boolean; variant?: string } = {}) =>
  ({ passed: over.passed ?? true, interrupted: over.interrupted ?? false, scenario: { name: 'payment-outage', seed: 7, variant: over.variant ?? 'main' } }) as unknown as RunResult;
const ctx = (over: Partial<RecordContext> = {}): RecordContext => ({ env: {}, fromCatalogue: true, durationOverridden: false, ...over });

describe('the menu’s ✓', () => {
  it.each([
    ['a passing run of the scenario', result(), ctx(), true],
    ['a failing run', result({ passed: false }), ctx(), false],
    ['a run stopped early', result({ interrupted: true }), ctx(), false],
    ['the baseline', result({ variant: 'baseline' }), ctx(), false],
    ['another variant', result({ variant: 'lazy' }), ctx(), false],
    ['a file of one’s own', result(), ctx({ fromCatalogue: false }), false],
    ['a shortened run', result(), ctx({ durationOverridden: true }), false],
    ['in CI', result(), ctx({ env: { CI: 'true' } }), false],
    ['CI=false', result(), ctx({ env: { CI: 'false' } }), true],
  ])('%s: %s', (_name, r, c, earns) => {
    expect(earnsCheckmark(r, c)).toBe(earns);
  });

  it('is written to .patterns/progress.json', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'record-'));
    expect(await recordRun(dir, result(), ctx(), new Date(0))).toBe(true);
    expect((await loadProgress(dir)).scenarios).toEqual({ 'payment-outage': { passedAt: '1970-01-01T00:00:00.000Z', seed: 7 } });
    expect(await recordRun(dir, result({ passed: false }), ctx())).toBe(false);
  });
});
