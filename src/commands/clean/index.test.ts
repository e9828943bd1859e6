import { existsSync, mkdtempSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseBrokerUrl } from '../../brokers/url.js';
import { UsageError } from '../../core/errors.js';
import { makeChalk } from '../../render/colour.js';
import { BufferOutput } from '../../render/output.js';
import { FakeAdapter, fakeRegistry } from '../../testing/fake-adapter.js';
import { manifestPath, readManifests, startManifest, type RunManifest } from '../broker/manifest.js';
import { cleanCommand, runIdOf, type CleanFlags } from './index.js';
import { renderClean } from './render.js';

let server: Server;
let port: number;
beforeAll(async () => {
  server = createServer((socket) => socket.destroy());
  port = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
});
afterAll(() => new Promise((r) => server.close(r)));

const io = () => ({ stderr: new BufferOutput(), env: {}, colourFlag: undefined, signal: new AbortController().signal });
const url = () => `redis://:s3cret@127.0.0.1:${port}`;

/** The broker holds two killed runs (dead, one with a manifest), a live run, and foreign keys. */
function broker(canList = true) {
  return new FakeAdapter({
    canList,
    names: [
      'patterns.dead1.orders',
      'patterns.dead1.orders.dlq',
      'patterns.orphan.jobs',
      'patterns.live1.orders',
      'orders',
      'patternsX.keep',
      'app.patterns.dead1.keep',
    ],
  });
}

async function setup(liveRuns: string[] = ['live1']) {
  const cwd = mkdtempSync(path.join(tmpdir(), 'patterns-clean-'));
  const target = parseBrokerUrl(url());
  const started = new Date('2026-11-22T03:00:00Z');
  const dead = await startManifest(cwd, { runId: 'dead1', broker: target, started, pid: 11, scenario: 'work-queue' });
  await dead.record(['patterns.dead1.orders', 'patterns.dead1.orders.dlq']);
  const live = await startManifest(cwd, { runId: 'live1', broker: target, started, pid: 22 });
  await live.record(['patterns.live1.orders']);
  // Another broker's manifest: never this clean's business.
  await startManifest(cwd, { runId: 'elsewhere', broker: parseBrokerUrl('redis://10.9.9.9'), started, pid: 33 });
  const isAlive = (m: RunManifest) => liveRuns.includes(m.runId);
  return { cwd, isAlive };
}

async function clean(fake: FakeAdapter, flags: CleanFlags, env: { cwd: string; isAlive: (m: RunManifest) => boolean }) {
  return cleanCommand({ broker: [url()], ...flags }, io(), { registry: fakeRegistry(fake), ...env });
}

describe('patterns clean', () => {
  it('removes the leftovers of killed runs, run by run around a live one, and nothing else', async () => {
    const fake = broker();
    const env = await setup();
    const result = await clean(fake, {}, env);
    expect(result.runs.map((r) => [r.runId, r.manifest, r.removed])).toEqual([
      ['dead1', true, ['patterns.dead1.orders', 'patterns.dead1.orders.dlq']],
      ['orphan', false, ['patterns.orphan.jobs']],
    ]);
    expect([...fake.names].sort()).toEqual(['app.patterns.dead1.keep', 'orders', 'patterns.live1.orders', 'patternsX.keep']);
    expect(result.running).toMatchObject([{ runId: 'live1', pid: 22 }]);
    expect(fake.calls.filter((c) => c.op === 'clean').map((c) => c.prefix)).toEqual(['patterns.dead1.', 'patterns.orphan.']);
    expect((await readManifests(env.cwd)).map((m) => m.runId).sort()).toEqual(['elsewhere', 'live1']);
  });

  it('with no run alive, sweeps the whole patterns. prefix in one call, handing over the manifests’ names', async () => {
    const fake = broker(false);
    const env = await setup([]);
    const result = await clean(fake, {}, env);
    expect(fake.calls.filter((c) => c.op === 'clean')).toEqual([
      { op: 'clean', url: url(), prefix: 'patterns.', names: ['patterns.dead1.orders', 'patterns.dead1.orders.dlq', 'patterns.live1.orders'] },
    ]);
    expect(result.runs.map((r) => r.runId)).toEqual(['dead1', 'live1']);
    expect(fake.names.has('patterns.orphan.jobs')).toBe(true); // it cannot list: only what manifests name
    expect(fake.names.has('orders')).toBe(true);
  });

  it('--run cleans one run under its own prefix', async () => {
    const fake = broker();
    const env = await setup();
    const result = await clean(fake, { run: 'orphan' }, env);
    expect(result.runs.map((r) => [r.runId, r.removed])).toEqual([['orphan', ['patterns.orphan.jobs']]]);
    expect(fake.calls.map((c) => [c.op, c.prefix])).toEqual([
      ['list', 'patterns.orphan.'],
      ['clean', 'patterns.orphan.'],
    ]);
    expect(existsSync(manifestPath(env.cwd, 'dead1'))).toBe(true);
  });

  it('refuses --run of a run that is still going', async () => {
    const env = await setup();
    await expect(clean(broker(), { run: 'live1' }, env)).rejects.toThrow(/run live1 is still running \(pid 22/);
  });

  it('--dry-run lists what would go and removes nothing, manifests included', async () => {
    const fake = broker();
    const env = await setup();
    const result = await clean(fake, { dryRun: true }, env);
    expect(result.runs.map((r) => [r.runId, r.removed])).toEqual([
      ['dead1', ['patterns.dead1.orders', 'patterns.dead1.orders.dlq']],
      ['orphan', ['patterns.orphan.jobs']],
    ]);
    expect(fake.names.size).toBe(7);
    expect(fake.calls.some((c) => c.op === 'clean')).toBe(false);
    expect((await readManifests(env.cwd)).length).toBe(3);
    const text = renderClean(result, makeChalk(0));
    expect(text).toContain('would remove 3 names of 2 runs');
    expect(text).toContain('left alone: run live1 is still running (pid 22');
    expect(text).toContain('dry run: nothing was removed');
    expect(text).not.toContain('s3cret');
  });

  it('--dry-run on a broker that cannot list says the names come from the manifests', async () => {
    const env = await setup([]);
    const result = await clean(broker(false), { dryRun: true }, env);
    expect(result.listed).toBe(false);
    expect(renderClean(result, makeChalk(0))).toContain('the redis adapter cannot list the broker');
  });

  it('says so when the broker is clean', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'patterns-clean-'));
    const result = await clean(new FakeAdapter({ names: ['orders'] }), {}, { cwd, isAlive: () => false });
    expect(renderClean(result, makeChalk(0))).toContain('nothing under patterns. was left: the broker is clean');
  });

  it('on a broker that cannot list, an empty result does not claim the broker is clean', async () => {
    const cwd = mkdtempSync(path.join(tmpdir(), 'patterns-clean-'));
    const result = await clean(new FakeAdapter({ name: 'rabbitmq', canList: false }), { broker: [`amqp://127.0.0.1:${port}`] }, { cwd, isAlive: () => false });
    expect(renderClean(result, makeChalk(0))).toContain('no manifests of killed runs here, and the rabbitmq adapter cannot list the broker');
  });

  it.each<[string, CleanFlags, NodeJS.ProcessEnv, RegExp]>([
    ['no broker', { broker: [] }, {}, /which broker\?/],
    ['memory', { broker: ['memory'] }, {}, /nothing to clean on the memory broker/],
    ['two brokers', { broker: ['redis://a,amqp://b'] }, {}, /one broker at a time; given: redis:\/\/a, amqp:\/\/b/],
    ['a bad run id', { broker: ['redis://a'], run: 'patterns.*' }, {}, /a run id is lower-case letters/],
  ])('%s is a usage error', async (_, flags, env, message) => {
    const error = await cleanCommand(flags, { ...io(), env }, { cwd: tmpdir(), registry: {} }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(UsageError);
    expect((error as Error).message).toMatch(message);
  });

  it('PATTERNS_BROKER is the default, and memory in it is skipped', async () => {
    const fake = new FakeAdapter();
    const cwd = mkdtempSync(path.join(tmpdir(), 'patterns-clean-'));
    const result = await cleanCommand({}, { ...io(), env: { PATTERNS_BROKER: `memory,${url()}` } }, { cwd, registry: fakeRegistry(fake), isAlive: () => false });
    expect(result.broker).toBe(`redis://:***@127.0.0.1:${port}`);
  });
});

describe('runIdOf', () => {
  it.each([
    ['patterns.r1.orders', 'r1'],
    ['stream patterns.20261122-035301-k3f9.orders', '20261122-035301-k3f9'],
    ['queue patterns.r1.a.b', 'r1'],
    ['patterns.', undefined],
    ['app.patterns.r1.x', undefined],
  ])('%s → %s', (name, id) => {
    expect(runIdOf(name)).toBe(id);
  });
});
