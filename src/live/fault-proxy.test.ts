import { once } from 'node:events';
import { connect, createServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { FaultProxy } from './fault-proxy.js';

/** An echo server that also records what reached it. */
async function echoServer(): Promise<{ server: Server; port: number; received: () => string; close: () => Promise<void> }> {
  let seen = '';
  const sockets = new Set<Socket>();
  const server = createServer((s) => {
    sockets.add(s);
    s.on('data', (d) => {
      seen += d.toString();
      s.write(d);
    });
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    server,
    port: (server.address() as AddressInfo).port,
    received: () => seen,
    close: async () => {
      for (const s of sockets) s.destroy();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

async function client(proxy: FaultProxy): Promise<Socket & { got: () => string }> {
  const s = connect({ host: proxy.host, port: proxy.port });
  let got = '';
  s.on('data', (d) => (got += d.toString()));
  s.on('error', () => {});
  await once(s, 'connect');
  return Object.assign(s, { got: () => got });
}

/** The socket's close (an RST arrives as an error first: that is expected here). */
function closeOf(s: Socket): Promise<void> {
  return new Promise((resolve) => s.once('close', () => resolve()));
}

/** Resolves once `check` holds, polling on I/O turns (never on a duration). */
async function until(check: () => boolean): Promise<void> {
  while (!check()) await new Promise((r) => setImmediate(r));
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup() {
  const echo = await echoServer();
  const proxy = await FaultProxy.start({ target: { host: '127.0.0.1', port: echo.port } });
  cleanups.push(() => echo.close(), () => proxy.stop());
  return { echo, proxy };
}

describe('FaultProxy', () => {
  it('passes bytes both ways untouched when no fault is on', async () => {
    const { echo, proxy } = await setup();
    const c = await client(proxy);
    c.write('hello');
    await until(() => c.got() === 'hello');
    expect(echo.received()).toBe('hello');
    expect(proxy.connections).toBe(1);
    c.destroy();
  });

  it('latency holds bytes back: nothing reaches the server until later writes were made, and order is kept', async () => {
    const { echo, proxy } = await setup();
    proxy.setLatency(150);
    const c = await client(proxy);
    const held: string[] = [];
    proxy.on('held', (n, direction) => held.push(`${direction}:${n}`));
    c.write('first');
    await until(() => held.length === 1);
    // The proxy has the bytes; the server does not yet, and the client writes again.
    expect(echo.received()).toBe('');
    c.write('-second');
    await until(() => held.length === 2);
    expect(echo.received()).toBe('');
    await until(() => c.got() === 'first-second');
    expect(echo.received()).toBe('first-second');
    // The echo came back through the delay too.
    expect(held.filter((h) => h.startsWith('down:')).length).toBeGreaterThan(0);
    c.destroy();
  });

  it('latency 0 after a delay: the bytes still arrive in the order they were written', async () => {
    const { proxy } = await setup();
    proxy.setLatency(100);
    const c = await client(proxy);
    let heldCount = 0;
    proxy.on('held', () => heldCount++);
    c.write('a');
    await until(() => heldCount === 1);
    proxy.setLatency(0);
    c.write('b');
    await until(() => c.got().length === 2);
    expect(c.got()).toBe('ab');
    c.destroy();
  });

  it('reset destroys open connections: the client socket closes; a new one is accepted', async () => {
    const { proxy } = await setup();
    const c = await client(proxy);
    c.write('x');
    await until(() => c.got() === 'x');
    const closed = closeOf(c);
    proxy.reset();
    await closed;
    expect(c.destroyed).toBe(true);
    await until(() => proxy.connections === 0);
    const again = await client(proxy);
    again.write('y');
    await until(() => again.got() === 'y');
    again.destroy();
  });

  it('down closes open connections and refuses new ones; up accepts again on the same port', async () => {
    const { proxy } = await setup();
    const port = proxy.port;
    const c = await client(proxy);
    const closed = closeOf(c);
    await proxy.setDown(true);
    await closed;
    const refused = connect({ host: proxy.host, port });
    const [error] = (await once(refused, 'error')) as [NodeJS.ErrnoException];
    expect(error.code).toBe('ECONNREFUSED');
    await proxy.setDown(false);
    expect(proxy.port).toBe(port);
    const back = await client(proxy);
    back.write('z');
    await until(() => back.got() === 'z');
    back.destroy();
  });

  it('stop closes every tracked connection, both sides', async () => {
    const { proxy } = await setup();
    const a = await client(proxy);
    const b = await client(proxy);
    await until(() => proxy.connections === 2);
    const closed = Promise.all([closeOf(a), closeOf(b)]);
    await proxy.stop();
    await closed;
    expect(proxy.connections).toBe(0);
  });

  it('refuses a negative latency', async () => {
    const { proxy } = await setup();
    expect(() => proxy.setLatency(-1)).toThrow(RangeError);
  });
});
