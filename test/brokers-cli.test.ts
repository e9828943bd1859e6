/**
 * The broker commands as a user runs them (built entry, through a pipe): exit codes, masked
 * passwords, hints. The tests against real Redis and RabbitMQ run once their adapters are in
 * the registry (`src/brokers/adapters.ts`) and the broker answers (`testBroker`).
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { realAdapters } from '../src/brokers/adapters.js';
import { runPrefix } from '../src/brokers/real.js';
import { parseBrokerUrl } from '../src/brokers/url.js';
import { startManifest } from '../src/commands/broker/manifest.js';
import { newRunId } from '../src/commands/broker/run-id.js';
import { testBroker } from '../src/testing/brokers.js';
import { ANSI, cli } from './cli.js';

/** A local port nothing listens on. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

const noBrokerEnv = { PATTERNS_BROKER: undefined, REDIS_URL: undefined, AMQP_URL: undefined, KAFKA_BROKERS: undefined };

describe('broker URLs on the command line', () => {
  it.each([
    [['doctor', '--broker', 'reds://localhost'], 'unknown scheme "reds://" (did you mean "redis://"?)'],
    [['clean', '--broker', 'rabbitmq://guest:guest@localhost'], 'unknown scheme "rabbitmq://" (did you mean "amqp://"?)'],
    [['clean', '--broker', 'localhost:6379'], 'did you mean "redis://localhost:6379"?'],
  ])('%j exits 2 and lists the valid forms', async (args, message) => {
    const r = await cli(args, noBrokerEnv);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain('valid brokers: memory, redis://');
    expect(r.stderr).not.toContain('guest:guest');
    expect(r.stderr).not.toContain('    at ');
  });

  it('a bad PATTERNS_BROKER is a usage error for clean', async () => {
    const r = await cli(['clean'], { ...noBrokerEnv, PATTERNS_BROKER: 'kafak://k:9092' });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('PATTERNS_BROKER "kafak://k:9092": unknown scheme "kafak://" (did you mean "kafka://"?)');
  });
});

describe('an unreachable broker', () => {
  it('clean exits 3 with the password masked, the cause and a hint, and no stack', async () => {
    const port = await closedPort();
    const r = await cli(['clean', '--broker', `redis://:s3cret@127.0.0.1:${port}`, '--connect-timeout', '2s'], noBrokerEnv);
    expect(r.code).toBe(3);
    expect(r.stderr).toContain(`infrastructure error: cannot reach redis://:***@127.0.0.1:${port}: connection refused: nothing listens on 127.0.0.1:${port}`);
    expect(r.stderr).toContain(`hint: is it running, and is the URL right? \`patterns doctor --broker URL\` checks it`);
    expect(r.stderr + r.stdout).not.toContain('s3cret');
    expect(r.stderr).not.toContain('    at ');
    expect(r.stderr).not.toMatch(ANSI);
  });

  it('doctor exits 3 and shows the broker as unreachable, masked', async () => {
    const port = await closedPort();
    const r = await cli(['doctor', '--broker', `amqp://app:s3cret@127.0.0.1:${port}`], noBrokerEnv);
    expect(r.code).toBe(3);
    expect(r.stdout).toMatch(new RegExp(`✗ {2}rabbitmq +unreachable +amqp://app:\\*\\*\\*@127\\.0\\.0\\.1:${port}`));
    expect(r.stdout).toContain(`connection refused: nothing listens on 127.0.0.1:${port}`);
    expect(r.stdout).toContain('1 broker is not ready');
    expect(r.stdout + r.stderr).not.toContain('s3cret');
  });
});

describe('patterns doctor', () => {
  it('with nothing configured: Node checked, exit 0, how to check a broker', async () => {
    const r = await cli(['doctor'], noBrokerEnv);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ {2}node +ok +v\d+\.\d+\.\d+ +package needs >=20\.12/);
    expect(r.stdout).toContain('No broker configured');
  });

  it('--json reads the environment’s brokers, password masked', async () => {
    const port = await closedPort();
    const r = await cli(['doctor', '--json'], { ...noBrokerEnv, PATTERNS_BROKER: 'memory', REDIS_URL: `redis://:s3cret@127.0.0.1:${port}` });
    expect(r.code).toBe(3);
    const result = JSON.parse(r.stdout) as { ok: boolean; brokers: { broker: string; from: string[]; status: string }[] };
    expect(result.ok).toBe(false);
    expect(result.brokers).toMatchObject([
      { broker: 'memory', from: ['PATTERNS_BROKER'], status: 'in-process' },
      { broker: `redis://:***@127.0.0.1:${port}`, from: ['REDIS_URL'], status: 'unreachable' },
    ]);
    expect(r.stdout).not.toContain('s3cret');
  });

  it.each([['doctor'], ['clean']])('%s --help shows examples', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: patterns ${command}`);
    expect(r.stdout).toContain('Examples:');
  });
});

describe.each([
  ['redis' as const, realAdapters.redis !== undefined],
  ['rabbitmq' as const, realAdapters.rabbitmq !== undefined],
])('doctor and clean against a real %s', (name, inBuild) => {
  it.skipIf(!inBuild)('doctor says it is ready, with its version', async () => {
    const url = await testBroker(name, 'test/brokers-cli.test.ts');
    if (url === undefined) return;
    const r = await cli(['doctor', '--broker', url, '--json'], noBrokerEnv);
    expect(r.code, r.stderr).toBe(0);
    const result = JSON.parse(r.stdout) as { brokers: { status: string; version: string; canCreate: boolean }[] };
    expect(result.brokers[0]).toMatchObject({ status: 'ok', canCreate: true });
    expect(result.brokers[0]!.version).toMatch(/\d+\.\d+/);
  });

  it.skipIf(!inBuild)('clean --run removes that run’s leftovers (from its manifest) and leaves foreign names alone', async () => {
    const url = await testBroker(name, 'test/brokers-cli.test.ts');
    if (url === undefined) return;
    const runId = newRunId();
    const prefix = runPrefix(runId);
    const cwd = mkdtempSync(path.join(tmpdir(), 'patterns-clean-cli-'));
    const ours = `${prefix}orders`;
    const foreign = `patterns-test-foreign-${runId}`;
    const sibling = `patterns.${runId}x.orders`;
    const world = await leaveBehind(name, url, [ours, foreign, sibling]);
    try {
      const manifest = await startManifest(cwd, { runId, broker: parseBrokerUrl(url), started: new Date(), pid: 2 ** 22 + 17 });
      await manifest.record([ours]);
      const r = await cli(['clean', '--broker', url, '--run', runId], noBrokerEnv, cwd);
      expect(r.code, r.stderr).toBe(0);
      expect(r.stdout).toContain(runId);
      expect(await world.exists(ours)).toBe(false);
      expect(await world.exists(foreign)).toBe(true);
      expect(await world.exists(sibling)).toBe(true);
    } finally {
      await world.dispose();
    }
  });
});

/** Names created with the raw client (not the adapter under test), checked and removed the same way. */
async function leaveBehind(name: 'redis' | 'rabbitmq', url: string, names: string[]): Promise<{ exists(n: string): Promise<boolean>; dispose(): Promise<void> }> {
  if (name === 'redis') {
    const { Redis } = await import('ioredis');
    const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
    await redis.connect();
    for (const n of names) await redis.set(n, '1', 'EX', 600);
    return {
      exists: async (n) => (await redis.exists(n)) === 1,
      dispose: async () => {
        await redis.del(...names);
        redis.disconnect();
      },
    };
  }
  const amqp = await import('amqplib');
  const connection = await amqp.connect(url);
  const setup = await connection.createChannel();
  for (const n of names) await setup.assertQueue(n, { durable: false, autoDelete: false });
  return {
    // checkQueue on a missing queue closes the channel, so each check gets its own.
    exists: async (n) => {
      const channel = await connection.createChannel();
      channel.on('error', () => {});
      try {
        await channel.checkQueue(n);
        await channel.close();
        return true;
      } catch {
        return false;
      }
    },
    dispose: async () => {
      const channel = await connection.createChannel();
      for (const n of names) await channel.deleteQueue(n);
      await connection.close();
    },
  };
}
