import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runPrefix } from '../../brokers/real.js';
import { parseBrokerUrl } from '../../brokers/url.js';
import { manifestPath, readManifests, runIsAlive, runsDir, startManifest, type RunManifest } from './manifest.js';
import { isRunId, newRunId, parseRunId } from './run-id.js';

const started = new Date('2026-11-22T03:53:01.250Z');

describe('run ids', () => {
  it('sort by start time, and every broker accepts them in names', () => {
    const id = newRunId(started, Uint8Array.from([0, 35, 36, 255]));
    expect(id).toBe('20261122-035301-0z03');
    expect(isRunId(id)).toBe(true);
    expect(runPrefix(id)).toBe('patterns.20261122-035301-0z03.');
    expect(newRunId(new Date('2026-11-22T03:53:02Z'), new Uint8Array(4)) > id).toBe(true);
  });

  it.each([['r1', true], ['20261122-035301-k3f9', true], ['My-Run', false], ['a.b', false], ['*', false], ['', false], ['-x', false], ['x'.repeat(49), false]])(
    '%s is a run id: %s',
    (text, ok) => {
      expect(isRunId(text)).toBe(ok);
      if (!ok) expect(() => parseRunId(text)).toThrow(/a run id is lower-case letters, digits and dashes/);
    },
  );
});

describe('manifests', () => {
  const cwd = () => mkdtempSync(path.join(tmpdir(), 'patterns-manifest-'));
  const broker = parseBrokerUrl('redis://:s3cret@127.0.0.1:6379/1');

  it('is written at the start with the masked URL, grows with the names created, and goes at the end', async () => {
    const dir = cwd();
    const live = await startManifest(dir, { runId: 'r1', broker, scenario: 'work-queue', started, pid: 4242 });
    const file = manifestPath(dir, 'r1');
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      version: 1,
      runId: 'r1',
      adapter: 'redis',
      broker: 'redis://:***@127.0.0.1:6379/1',
      endpoint: 'redis://127.0.0.1:6379/1',
      prefix: 'patterns.r1.',
      names: [],
      pid: 4242,
      host: hostname(),
      started: '2026-11-22T03:53:01.250Z',
      scenario: 'work-queue',
    });
    expect(readFileSync(file, 'utf8')).not.toContain('s3cret');
    await Promise.all([live.record(['patterns.r1.orders']), live.record(['patterns.r1.orders', 'patterns.r1.orders.dlq'])]);
    expect((await readManifests(dir))[0]!.names).toEqual(['patterns.r1.orders', 'patterns.r1.orders.dlq']);
    await live.remove();
    expect(existsSync(file)).toBe(false);
    await live.record(['patterns.r1.late']);
    expect(existsSync(file)).toBe(false);
  });

  it('reading skips traces, half-written files and anything that is not a manifest', async () => {
    const dir = cwd();
    await startManifest(dir, { runId: 'r2', broker, started });
    mkdirSync(runsDir(dir), { recursive: true });
    writeFileSync(path.join(runsDir(dir), 'payment-outage-seed7.ndjson'), '{}\n');
    writeFileSync(path.join(runsDir(dir), 'broken.json'), '{"version":1,');
    writeFileSync(path.join(runsDir(dir), 'wide.json'), JSON.stringify({ version: 1, runId: 'x', prefix: 'patterns.', endpoint: 'e', pid: 1, names: [] }));
    expect((await readManifests(dir)).map((m) => m.runId)).toEqual(['r2']);
    expect(await readManifests(path.join(dir, 'nowhere'))).toEqual([]);
  });

  it.each<[string, Partial<RunManifest>, boolean]>([
    ['a dead pid', { pid: 2 ** 22 + 17 }, false],
    ['another host', { pid: 2 ** 22 + 17, host: 'elsewhere' }, true],
    ['this process (not a patterns command line)', { pid: process.pid }, false],
  ])('a run with %s is alive: %s', (_, m, alive) => {
    expect(runIsAlive({ host: hostname(), ...m } as RunManifest)).toBe(alive);
  });
});
