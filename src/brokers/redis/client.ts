/**
 * Opening ioredis clients the way the adapter needs them: no reconnecting and no offline
 * queue (a lost connection is reported, as the Broker interface asks, and the pattern's
 * session reconnects), a connect timeout, and errors that never carry the password.
 * `rediss://` URLs turn TLS on inside ioredis; nothing here changes that.
 */
import { createHash } from 'node:crypto';
import { Redis } from 'ioredis';
import { brokerError, type BrokerError } from '../broker.js';
import { BrokerConnectError } from '../real.js';
import { maskUrl } from '../url.js';

export interface ClientOptions {
  connectTimeoutMs: number;
  /** Shown by CLIENT LIST; spaces are not allowed there. */
  name?: string | undefined;
}

export function newClient(url: string, options: ClientOptions): Redis {
  const client = new Redis(url, {
    lazyConnect: true,
    connectTimeout: options.connectTimeoutMs,
    retryStrategy: () => null,
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    ...(options.name ? { connectionName: options.name.replace(/[^\w.:@|#-]/g, '_') } : {}),
  });
  // Without a listener ioredis prints every error itself; ours are reported through callbacks.
  client.on('error', () => {});
  return client;
}

/** Connects, or rejects with a BrokerConnectError naming the URL without its password. */
export async function connectClient(url: string, options: ClientOptions): Promise<Redis> {
  const client = newClient(url, options);
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      client.connect(),
      new Promise<never>((_, reject) => {
        timer = setTimeout(() => reject(new Error(`no answer within ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);
      }),
    ]);
    return client;
  } catch (error) {
    client.disconnect();
    throw new BrokerConnectError(`cannot connect to Redis at ${maskUrl(url)}: ${scrub(describe(error), url)}`, scrubbedCause(error, url));
  } finally {
    clearTimeout(timer);
  }
}

/** A failed command as the Broker interface reports it. */
export function commandError(error: unknown, url: string): BrokerError {
  return brokerError('unavailable', scrub(describe(error), url));
}

export function describe(error: unknown): string {
  if (error instanceof AggregateError && error.errors.length > 0) return error.errors.map(describe).join('; ');
  if (error instanceof Error) return error.message || error.name;
  return String(error);
}

/** Removes the URL's password from a message, in case a library quoted it. */
export function scrub(text: string, url: string): string {
  const password = passwordOf(url);
  return password ? text.split(password).join('***') : text;
}

function scrubbedCause(error: unknown, url: string): Error {
  const e = new Error(scrub(describe(error), url));
  if (error instanceof Error) e.name = error.name;
  return e;
}

function passwordOf(url: string): string | undefined {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : undefined;
  } catch {
    return undefined;
  }
}

/** A Lua script run with EVALSHA (cheaper per call than ioredis's defineCommand); EVAL loads it the first time. */
export class Script {
  private readonly sha: string;

  constructor(private readonly lua: string) {
    this.sha = createHash('sha1').update(lua).digest('hex');
  }

  run(client: Redis, keys: readonly string[], args: readonly (string | number)[]): Promise<unknown> {
    return new Promise((resolve, reject) => this.call(client, keys, args, (e, result) => (e ? reject(e) : resolve(result))));
  }

  /** The same with a callback: one promise fewer per call, for the publish path. */
  call(client: Redis, keys: readonly string[], args: readonly (string | number)[], done: (error: Error | null | undefined, result?: unknown) => void): void {
    client.call('EVALSHA', this.sha, keys.length, ...keys, ...args, (e?: Error | null, result?: unknown) => {
      if (e && e.message.startsWith('NOSCRIPT')) client.call('EVAL', this.lua, keys.length, ...keys, ...args, done);
      else done(e, result);
    });
  }
}
