import { connect } from 'node:net';
import { maskUrl } from '../../brokers/url.js';

export type LiveStatus = { available: true; broker: string } | { available: false; reason: string };

/** Environment variable naming the broker live runs use, e.g. amqp://localhost:5672. */
export const BROKER_ENV = 'PATTERNS_BROKER';

/**
 * Whether the menu can offer "live on a broker". Lazy and cheap: nothing is checked until
 * the mode step is shown, and then at most one TCP connection attempt with a short timeout.
 * The broker is shown with its password masked.
 */
export async function liveStatus(env: NodeJS.ProcessEnv, opts: { timeoutMs?: number } = {}): Promise<LiveStatus> {
  const url = env[BROKER_ENV];
  if (!url) return { available: false, reason: `no broker configured (set ${BROKER_ENV}, e.g. redis://127.0.0.1:6379)` };
  const reachable = await reachableBroker(url, opts.timeoutMs ?? 300);
  if (reachable !== true) return { available: false, reason: `the broker at ${maskUrl(url)} is not reachable: ${reachable}` };
  return { available: true, broker: maskUrl(url) };
}


const DEFAULT_PORTS: Record<string, number> = { 'amqp:': 5672, 'amqps:': 5671, 'redis:': 6379, 'rediss:': 6379, 'kafka:': 9092 };

/** One TCP connection to the broker's host and port: true, or why not. */
export function reachableBroker(url: string, timeoutMs: number): Promise<true | string> {
  let host: string;
  let port: number;
  try {
    const u = new URL(url);
    host = u.hostname || 'localhost';
    port = u.port ? Number(u.port) : (DEFAULT_PORTS[u.protocol] ?? NaN);
  } catch {
    return Promise.resolve('not a URL');
  }
  if (!Number.isFinite(port)) return Promise.resolve('no port in the URL');
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    const done = (result: true | string) => {
      socket.destroy();
      resolve(result);
    };
    socket.setTimeout(timeoutMs, () => done(`no answer within ${timeoutMs}ms`));
    socket.once('connect', () => done(true));
    socket.once('error', (e: NodeJS.ErrnoException) => done(e.code ?? e.message));
  });
}
