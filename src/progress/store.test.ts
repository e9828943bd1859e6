import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadProgress, markScenarioPassed, progressPath, updateProgress } from './store.js';

describe('progress store', () => {
  it('starts empty, records, and reads back', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'progress-'));
    expect(await loadProgress(dir)).toEqual({ version: 1, scenarios: {}, exercises: {} });
    await updateProgress(dir, (p) => markScenarioPassed(p, 'payment-outage', 7, new Date(0)));
    const back = await loadProgress(dir);
    expect(back.scenarios['payment-outage']).toEqual({ passedAt: '1970-01-01T00:00:00.000Z', seed: 7 });
    expect(JSON.parse(readFileSync(progressPath(dir), 'utf8')).version).toBe(1);
  });

  it('treats a corrupt file as empty instead of failing', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'progress-'));
    mkdirSync(path.join(dir, '.patterns'));
    writeFileSync(progressPath(dir), '{ not json');
    expect((await loadProgress(dir)).scenarios).toEqual({});
  });
});
