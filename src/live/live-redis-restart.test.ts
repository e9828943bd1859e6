/**
 * A test-owned Redis (its own port, nothing on disk) is killed and restarted mid-run: the
 * live run carries on — the adapter declares its streams again on the Redis that lost them,
 * producers and consumers reconnect — and the accounting stays whole: every message the
 * run published is handled, pending or lost, none twice. Needs the redis-server binary; skips
 * with a message without it, unless PATTERNS_REQUIRE_BROKERS is set.
 */
import { Chalk } from 'chalk';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { connect, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { capturedIO } from '../testing/io.js';
import { loadScenarioFile } from '../scenario/load.js';
import { executeLive } from './run-live.js';

function hasRedisServer(): boolean {
  try {
    execFileSync('redis-server', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const available = hasRedisServer();
if (!available && process.env['PATTERNS_REQUIRE_BROKERS']) throw new Error('PATTERNS_REQUIRE_BROKERS is set but redis-server is not installed');
if (!available) console.warn('live-redis-restart.test.ts: skipped, redis-server not installed (apt-get install redis-server)');

const dir = mkdtempSync(path.join(tmpdir(), 'patterns-redis-restart-'));
const file = path.join(dir, 'restart.yaml');
writeFileSync(
  file,
  `name: redis-restart
title: Redis restarts mid-run
pattern: work-queue
goal: test
seed: 3
duration: 7s
components:
  broker:
    kind: broker
    queues:
      jobs: {}
  jobs-in:
    kind: producer
    broker: broker
    queue: jobs
  workers:
    kind: consumer
    broker: broker
    queue: jobs
    prefetch: 10
    work: 5ms
  clients:
    kind: load
    target: jobs-in
    rate: 50/s
expect:
  - id: nothing-lost-before
    says: nothing is lost while Redis is up
    metric: jobs-in.lost
    equals: 0
    to: 1s
`,
);

function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

let server: ChildProcess | undefined;
function startRedis(port: number): Promise<void> {
  server = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
  return waitFor(port);
}
async function waitFor(port: number): Promise<void> {
  for (let i = 0; i < 100; i++) {
    const up = await new Promise<boolean>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port });
      socket.once('connect', () => (socket.destroy(), resolve(true)));
      socket.once('error', () => resolve(false));
    });
    if (up) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not come up on ${port}`);
}

afterAll(() => {
  server?.kill('SIGKILL');
});

const captured = capturedIO(dir);
const io = captured.io();

describe.skipIf(!available)('a live run while Redis restarts', () => {
  it('carries on after the restart, with every published message accounted once', async () => {
    const port = await freePort();
    await startRedis(port);
    const running = executeLive(await loadScenarioFile(file), { mode: 'plain', io, c: new Chalk({ level: 0 }), broker: `redis://127.0.0.1:${port}`, runId: 'restart-1', cwd: dir });
    await new Promise((r) => setTimeout(r, 2000));
    server!.kill('SIGKILL');
    await new Promise((r) => setTimeout(r, 500));
    await startRedis(port);
    const run = await running;
    expect(run.result.interrupted, captured.text()).toBe(false);
    const m = run.result.summary.messages!;
    const p = m.producers[0]!;
    // About 100 were published before the kill: more means the run went on after the restart.
    const handledAfter = run.result.summary.components.find((x) => x.name === 'workers')!.counters['processed']!;
    expect(p.published).toBeGreaterThan(150);
    expect(handledAfter).toBeGreaterThan(150);
    // Whole: each published message is handled, pending, dead-lettered or lost — once.
    expect(p.handled + p.pending + p.deadLettered + p.lost).toBe(p.messages);
    expect(run.result.summary.components.find((x) => x.name === 'workers')!.state).not.toBe('DISCONNECTED');
  }, 30_000);
});
