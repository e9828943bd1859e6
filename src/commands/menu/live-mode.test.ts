import { createServer } from 'node:net';
import { describe, expect, it } from 'vitest';
import { liveStatus } from './live-mode.js';

describe('whether the menu can offer live runs', () => {
  it('not while live runs are not built, whatever is configured (and without touching the network)', async () => {
    expect(await liveStatus({})).toEqual({ available: false, reason: 'live runs on a real broker are not part of this version yet' });
    expect(await liveStatus({ PATTERNS_BROKER: 'amqp://192.0.2.1:5672' })).toEqual({
      available: false,
      reason: 'live runs on a real broker are not part of this version yet (PATTERNS_BROKER is set)',
    });
  });

  it.each([
    [{}, 'no broker configured (set PATTERNS_BROKER, e.g. amqp://localhost:5672)'],
    [{ PATTERNS_BROKER: 'not a url' }, 'the broker at not a url is not reachable: not a URL'],
    [{ PATTERNS_BROKER: 'mystery://localhost' }, 'the broker at mystery://localhost is not reachable: no port in the URL'],
  ])('once built, with %j: %s', async (env, reason) => {
    expect(await liveStatus(env, { liveRunsBuilt: true })).toEqual({ available: false, reason });
  });

  it('once built: a broker that answers is offered; one that does not, is not', async () => {
    const server = createServer((s) => s.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as { port: number }).port;
    try {
      expect(await liveStatus({ PATTERNS_BROKER: `amqp://127.0.0.1:${port}` }, { liveRunsBuilt: true })).toEqual({ available: true, broker: `amqp://127.0.0.1:${port}` });
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
    const closed = await liveStatus({ PATTERNS_BROKER: `amqp://127.0.0.1:${port}` }, { liveRunsBuilt: true });
    expect(closed).toEqual({ available: false, reason: `the broker at amqp://127.0.0.1:${port} is not reachable: ECONNREFUSED` });
  });
});
