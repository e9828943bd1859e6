import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsageError } from '../../core/errors.js';
import { makeChalk } from '../../render/colour.js';
import { BufferOutput } from '../../render/output.js';
import { FakeAdapter, fakeRegistry } from '../../testing/fake-adapter.js';
import { configuredBrokers, doctorCommand, nodeCheck } from './index.js';
import { renderDoctor } from './render.js';

let server: Server;
let open: number;
let closed: number;

beforeAll(async () => {
  server = createServer((socket) => socket.destroy());
  open = await listen(server);
  const other = createServer();
  closed = await listen(other);
  await new Promise((r) => other.close(r));
});
afterAll(() => new Promise((r) => server.close(r)));

const io = (env: NodeJS.ProcessEnv = {}) => ({ stderr: new BufferOutput(), env, colourFlag: undefined, signal: new AbortController().signal });

describe('which brokers doctor checks', () => {
  it.each<[string[] | undefined, Record<string, string>, [string, string[]][]]>([
    [undefined, {}, []],
    [['redis://r'], { REDIS_URL: 'redis://other' }, [['redis://r', ['--broker']]]],
    [undefined, { PATTERNS_BROKER: 'memory,redis://r', AMQP_URL: 'amqp://u:p@m' }, [['memory', ['PATTERNS_BROKER']], ['redis://r', ['PATTERNS_BROKER']], ['amqp://u:***@m', ['AMQP_URL']]]],
    [undefined, { PATTERNS_BROKER: 'redis://:pw@r:6379', REDIS_URL: 'redis://r' }, [['redis://:***@r:6379', ['PATTERNS_BROKER', 'REDIS_URL']]]],
    [undefined, { KAFKA_BROKERS: 'k1:9092,k2:9092' }, [['kafka://k1:9092,k2:9092', ['KAFKA_BROKERS']]]],
    [undefined, { REDIS_URL: '  ' }, []],
  ])('flags %j, env %j', (broker, env, expected) => {
    expect(configuredBrokers(broker ? { broker } : {}, env).map((c) => [c.target!.display, c.from])).toEqual(expected);
  });

  it('a bad --broker is a usage error; a bad environment variable is a failed check', () => {
    expect(() => configuredBrokers({ broker: ['redsi://x'] }, {})).toThrow(UsageError);
    const [c] = configuredBrokers({}, { AMQP_URL: 'rabbitmq://u:secret@m' });
    expect(c).toMatchObject({ from: ['AMQP_URL'], invalid: { text: 'rabbitmq://u:***@m' } });
    expect(c!.invalid!.problem).toContain('did you mean "amqp://"?');
    expect(c!.invalid!.problem).not.toContain('secret');
  });
});

describe('nodeCheck', () => {
  it.each([
    ['20.12.0', '>=20.12', true],
    ['20.11.1', '>=20.12', false],
    ['22.0.0', '>=20.12', true],
    ['v20.12.1', '>=20.12.2', false],
    ['19.9.0', '>=20', false],
    ['20.12.0', '^20 || ^22', true],
  ])('%s against %s: %s', (version, required, ok) => {
    expect(nodeCheck(version, required).ok).toBe(ok);
  });
});

describe('doctorCommand', () => {
  it('reports each broker: ready, unable to create, unreachable, not in this build, invalid', async () => {
    const redis = new FakeAdapter({ doctor: { version: '7.4.1' } });
    const rabbit = new FakeAdapter({ name: 'rabbitmq', doctor: { version: '4.1.0', canCreate: false, notes: ['management plugin off: clean uses the manifests'] } });
    const env = {
      PATTERNS_BROKER: `memory,redis://:s3cret@127.0.0.1:${open}`,
      AMQP_URL: `amqp://guest:guest@127.0.0.1:${open}`,
      REDIS_URL: `redis://127.0.0.1:${closed}`,
      KAFKA_BROKERS: `127.0.0.1:${open}`,
    };
    const result = await doctorCommand({}, io(env), { registry: fakeRegistry(redis, rabbit), nodeVersion: '22.1.0' });
    expect(result.ok).toBe(false);
    expect(result.node).toEqual({ version: 'v22.1.0', required: '>=20.12', ok: true });
    expect(result.adapters).toEqual(['memory', 'redis', 'rabbitmq']);
    expect(result.brokers.map((b) => [b.adapter, b.status, b.ok, b.version])).toEqual([
      ['memory', 'in-process', true, 'built in'],
      ['redis', 'ok', true, '7.4.1'],
      ['redis', 'unreachable', false, undefined],
      ['rabbitmq', 'cannot-create', false, '4.1.0'],
      ['kafka', 'unavailable', false, undefined],
    ]);
    expect(result.brokers[2]!.problem).toBe(`connection refused: nothing listens on 127.0.0.1:${closed}`);
    expect(result.brokers[4]!.problem).toContain('the kafka adapter is not available in this build');
    expect(redis.calls).toEqual([{ op: 'doctor', url: `redis://:s3cret@127.0.0.1:${open}` }]);
    expect(JSON.stringify(result)).not.toContain('s3cret');
  });

  it('is ok with nothing configured, and says how to check a broker', async () => {
    const result = await doctorCommand({}, io(), { registry: {}, nodeVersion: '20.12.0' });
    expect(result).toMatchObject({ ok: true, brokers: [], adapters: ['memory'] });
    expect(renderDoctor(result, makeChalk(0))).toContain('No broker configured');
  });

  it('a broker that hangs fails at --connect-timeout, and the others are still checked', async () => {
    const redis = new FakeAdapter({ hang: true });
    const rabbit = new FakeAdapter({ name: 'rabbitmq' });
    const result = await doctorCommand(
      { broker: [`redis://127.0.0.1:${open},amqp://127.0.0.1:${open}`], connectTimeout: '50ms' },
      io(),
      { registry: fakeRegistry(redis, rabbit), nodeVersion: '20.12.0' },
    );
    expect(result.brokers.map((b) => [b.status, b.problem])).toEqual([
      ['failing', 'no answer within 50ms'],
      ['ok', undefined],
    ]);
    expect(result.brokers[0]!.notes).toEqual(['a slow network? raise --connect-timeout (now 50ms)']);
  });

  it('renders a row per check with problems and notes under it, and a verdict', async () => {
    const rabbit = new FakeAdapter({ name: 'rabbitmq', doctor: { version: '4.1.0', notes: ['no management plugin'] } });
    const result = await doctorCommand({ broker: [`amqp://guest:guest@127.0.0.1:${open}`, `redis://127.0.0.1:${closed}`] }, io(), {
      registry: fakeRegistry(rabbit, new FakeAdapter()),
      nodeVersion: '20.12.0',
    });
    const text = renderDoctor(result, makeChalk(0));
    expect(text).toMatch(/✓ {2}node {6}ok +v20\.12\.0 +package needs >=20\.12/);
    expect(text).toMatch(/✓ {2}rabbitmq +ok +amqp:\/\/guest:\*\*\*@127\.0\.0\.1:\d+ +4\.1\.0 +yes +--broker\n {6}no management plugin/);
    expect(text).toMatch(/✗ {2}redis +unreachable .*\n {6}connection refused/);
    expect(text).toContain('1 broker is not ready: live runs on it would fail (exit 3).');
  });
});

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));
}
