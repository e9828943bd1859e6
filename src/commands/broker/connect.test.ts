import { createServer, type Server } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BrokerConnectError } from '../../brokers/real.js';
import { parseBrokerUrl } from '../../brokers/url.js';
import { InfraError, InterruptedError, UsageError } from '../../core/errors.js';
import { BufferOutput } from '../../render/output.js';
import { FakeAdapter, fakeRegistry } from '../../testing/fake-adapter.js';
import { describeCause, openBroker, parseConnectTimeout, reachBroker, type BrokerIO } from './connect.js';

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

function io(opts: { tty?: boolean; env?: NodeJS.ProcessEnv; signal?: AbortSignal; colour?: boolean } = {}): BrokerIO & { stderr: BufferOutput } {
  return {
    stderr: new BufferOutput({ isTTY: opts.tty ?? false }),
    env: opts.env ?? {},
    colourFlag: opts.colour,
    signal: opts.signal ?? new AbortController().signal,
  };
}

async function failure(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a rejection');
}

describe('reachBroker', () => {
  it('hands the adapter the URL with its credentials and returns what the action returns', async () => {
    const fake = new FakeAdapter();
    const target = parseBrokerUrl(`redis://:s3cret@127.0.0.1:${open}`);
    const report = await reachBroker(target, io(), { timeoutMs: 2000, purpose: 'doctor', registry: fakeRegistry(fake) }, (a, ms) => a.doctor(target.url, { connectTimeoutMs: ms }));
    expect(report.version).toBe('7.4.0');
    expect(fake.calls).toEqual([{ op: 'doctor', url: `redis://:s3cret@127.0.0.1:${open}` }]);
  });

  it('a closed port is exit 3: masked URL, "connection refused", a doctor hint, even without the adapter', async () => {
    const target = parseBrokerUrl(`redis://:s3cret@127.0.0.1:${closed}`);
    const error = await failure(reachBroker(target, io(), { timeoutMs: 2000, purpose: 'clean', registry: {} }, () => Promise.resolve(1)));
    expect(error).toBeInstanceOf(InfraError);
    expect((error as InfraError).exitCode).toBe(3);
    expect(error.message).toBe(`cannot reach redis://:***@127.0.0.1:${closed}: connection refused: nothing listens on 127.0.0.1:${closed}`);
    expect((error as InfraError).details.join('\n')).toContain(`patterns doctor --broker URL`);
    expect((error as InfraError).details.join('\n')).not.toContain('--live');
    expect(JSON.stringify(error)).not.toContain('s3cret');
  });

  it('without a password the hint names the URL itself, ready to paste', async () => {
    const target = parseBrokerUrl(`redis://127.0.0.1:${closed}`);
    const error = (await failure(reachBroker(target, io(), { timeoutMs: 2000, purpose: 'clean', registry: {} }, () => Promise.resolve(1)))) as InfraError;
    expect(error.details[0]).toBe(`hint: is it running, and is the URL right? \`patterns doctor --broker 'redis://127.0.0.1:${closed}'\` checks it`);
  });

  it('a live run is also told it can drop --live', async () => {
    const target = parseBrokerUrl(`amqp://u:pw@127.0.0.1:${closed}`);
    const error = (await failure(reachBroker(target, io(), { timeoutMs: 2000, purpose: 'run', registry: {} }, () => Promise.resolve(1)))) as InfraError;
    expect(error.details.at(-1)).toBe('hint: or drop --live to run on the simulated in-memory broker');
  });

  it('a broker that never answers fails at the deadline, says so, and suggests a longer timeout', async () => {
    const fake = new FakeAdapter({ hang: true });
    const target = parseBrokerUrl(`redis://:s3cret@127.0.0.1:${open}`);
    const error = (await failure(reachBroker(target, io(), { timeoutMs: 60, purpose: 'run', registry: fakeRegistry(fake) }, (a) => a.doctor(target.url, { connectTimeoutMs: 60 })))) as InfraError;
    expect(error).toBeInstanceOf(InfraError);
    expect(error.message).toBe(`cannot use redis://:***@127.0.0.1:${open}: no answer within 60ms`);
    expect(error.details).toContain('hint: a slow network? raise --connect-timeout (now 60ms)');
  });

  it('an adapter error is shown with its cause, every credential masked', async () => {
    const fake = new FakeAdapter({
      name: 'rabbitmq',
      fail: new BrokerConnectError('authentication failed for amqp://app:hunter22@127.0.0.1', new Error('ACCESS_REFUSED - Login was refused using hunter22')),
    });
    const target = parseBrokerUrl(`amqp://app:hunter22@127.0.0.1:${open}`);
    const error = await failure(reachBroker(target, io(), { timeoutMs: 2000, purpose: 'clean', registry: fakeRegistry(new FakeAdapter(), fake) }, (a) => a.doctor(target.url, { connectTimeoutMs: 1 })));
    expect(error.message).toBe(`cannot use amqp://app:***@127.0.0.1:${open}: authentication failed for amqp://app:***@127.0.0.1: ACCESS_REFUSED - Login was refused using ***`);
  });

  it('an adapter error that already names the URL is not prefixed with it again', async () => {
    const target = parseBrokerUrl(`amqp://app:hunter22@127.0.0.1:${open}`);
    const fake = new FakeAdapter({ name: 'rabbitmq', fail: new BrokerConnectError(`cannot connect to RabbitMQ at amqp://app:***@127.0.0.1:${open}: 403 (ACCESS-REFUSED)`) });
    const error = await failure(reachBroker(target, io(), { timeoutMs: 2000, purpose: 'clean', registry: fakeRegistry(fake) }, (a) => a.doctor(target.url, { connectTimeoutMs: 1 })));
    expect(error.message).toBe(`cannot connect to RabbitMQ at amqp://app:***@127.0.0.1:${open}: 403 (ACCESS-REFUSED)`);
  });

  it('an adapter this build lacks is a usage error naming the adapters it has', async () => {
    const target = parseBrokerUrl(`kafka://127.0.0.1:${open}`);
    const error = await failure(reachBroker(target, io(), { timeoutMs: 2000, purpose: 'clean', registry: fakeRegistry(new FakeAdapter()) }, () => Promise.resolve(1)));
    expect(error).toBeInstanceOf(UsageError);
    expect(error.message).toBe(`kafka://127.0.0.1:${open}: the kafka adapter is not available in this build of patterns (adapters here: memory, redis)`);
  });

  it('Ctrl-C while connecting ends as interrupted', async () => {
    const controller = new AbortController();
    const fake = new FakeAdapter({ hang: true });
    const target = parseBrokerUrl(`redis://127.0.0.1:${open}`);
    const pending = failure(reachBroker(target, io({ signal: controller.signal }), { timeoutMs: 5000, purpose: 'run', registry: fakeRegistry(fake) }, (a) => a.doctor(target.url, { connectTimeoutMs: 1 })));
    setTimeout(() => controller.abort(), 20);
    expect(await pending).toBeInstanceOf(InterruptedError);
  });

  it('a broker that opens after the deadline is disposed, not leaked', async () => {
    let release!: () => void;
    const fake = new FakeAdapter({ waitFor: new Promise<void>((r) => (release = r)) });
    const target = parseBrokerUrl(`redis://127.0.0.1:${open}`);
    const error = await failure(openBroker(target, io(), { timeoutMs: 40, purpose: 'run', prefix: 'patterns.r1.', registry: fakeRegistry(fake) }));
    expect(error).toBeInstanceOf(InfraError);
    release();
    await new Promise((r) => setImmediate(r));
    expect(fake.disposed).toBe(1);
    expect(fake.calls[0]).toMatchObject({ op: 'open', prefix: 'patterns.r1.' });
  });

  it.each<[string, { tty: boolean; env?: NodeJS.ProcessEnv; colour?: boolean }, boolean, boolean]>([
    ['a terminal', { tty: true, colour: true }, true, true],
    ['a terminal with NO_COLOR', { tty: true, env: { NO_COLOR: '1' } }, true, false],
    ['a pipe', { tty: false, colour: true }, false, false],
  ])('spinner on %s', async (_, opts, drawn, coloured) => {
    const out = io(opts);
    const target = parseBrokerUrl(`redis://:s3cret@127.0.0.1:${open}`);
    await reachBroker(target, out, { timeoutMs: 2000, purpose: 'doctor', registry: fakeRegistry(new FakeAdapter()) }, () => Promise.resolve(1));
    const text = out.stderr.text;
    expect(text.includes(`connecting to redis://:***@127.0.0.1:${open} …`)).toBe(drawn);
    expect(text.includes('\u001b[36m')).toBe(coloured);
    expect(text).not.toContain('s3cret');
    if (drawn) expect(text.endsWith('\r\u001b[2K')).toBe(true);
  });
});

describe('parseConnectTimeout', () => {
  it.each<[string | undefined, number]>([
    [undefined, 5000],
    ['10s', 10_000],
    ['500ms', 500],
    ['2', 2000],
    ['1m', 60_000],
  ])('%s → %d ms', (flag, ms) => {
    expect(parseConnectTimeout(flag)).toBe(ms);
  });

  it.each([['0'], ['-1s'], ['soon'], ['11m']])('%s is a usage error', (flag) => {
    expect(() => parseConnectTimeout(flag)).toThrow(UsageError);
  });
});

describe('describeCause', () => {
  const target = parseBrokerUrl('redis://localhost:6379');
  const errno = (code: string, extra: Record<string, unknown> = {}) => Object.assign(new Error(`x ${code}`), { code, ...extra });
  it.each<[string, unknown, string]>([
    ['refused', errno('ECONNREFUSED'), 'connection refused: nothing listens on localhost:6379'],
    ['refused, as Node reports localhost', new AggregateError([errno('ECONNREFUSED'), errno('ECONNREFUSED')], ''), 'connection refused: nothing listens on localhost:6379'],
    ['unknown host', errno('ENOTFOUND', { hostname: 'redis.nowhere' }), 'unknown host "redis.nowhere"'],
    ['reset', errno('ECONNRESET'), 'the connection was reset'],
    ['wrapped', new BrokerConnectError('handshake failed', errno('ECONNRESET')), 'handshake failed: the connection was reset'],
    ['plain', new Error('NOAUTH Authentication required.'), 'NOAUTH Authentication required.'],
    ['not an error', 'weird', 'weird'],
  ])('%s', (_, error, text) => {
    expect(describeCause(error, target)).toBe(text);
  });
});

function listen(s: Server): Promise<number> {
  return new Promise((resolve) => s.listen(0, '127.0.0.1', () => resolve((s.address() as { port: number }).port)));
}
