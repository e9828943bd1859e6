import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { liveStatus } from './live-mode.js';

describe('whether the menu can offer live runs', () => {
  it.each([
    [{}, 'no broker configured (set PATTERNS_BROKER, e.g. redis://127.0.0.1:6379)'],
    [{ PATTERNS_BROKER: 'not a url' }, 'the broker at not a url is not reachable: not a URL'],
    [{ PATTERNS_BROKER: 'mystery://localhost' }, 'the broker at mystery://localhost is not reachable: no port in the URL'],
    [{ PATTERNS_BROKER: 'redis://:secret@127.0.0.1:1' }, 'the broker at redis://:***@127.0.0.1:1 is not reachable: ECONNREFUSED'],
  ])('with %j: %s', async (env, reason) => {
    expect(await liveStatus(env)).toEqual({ available: false, reason });
  });

  it('a broker that answers is offered; one that does not, is not', async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await liveStatus({ PATTERNS_BROKER: `amqp://127.0.0.1:${port}` })).toEqual({ available: true, broker: `amqp://127.0.0.1:${port}` });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const closed = await liveStatus({ PATTERNS_BROKER: `amqp://127.0.0.1:${port}` });
    expect(closed).toEqual({ available: false, reason: `the broker at amqp://127.0.0.1:${port} is not reachable: ECONNREFUSED` });
  });
});
