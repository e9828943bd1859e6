/**
 * How a command reaches a real broker: a spinner on stderr while it waits (terminal only),
 * one deadline for the whole attempt (`--connect-timeout`, 5 s by default), and every
 * failure turned into an `InfraError` (exit 3) with the URL's password masked, the cause in
 * plain words, and what to try next. Nothing here prints a stack or a credential.
 */
import { connect as tcpConnect } from 'node:net';
import { realAdapters } from '../../brokers/adapters.js';
import type { RealAdapter, RealAdapterName, RealBroker } from '../../brokers/real.js';
import { maskSecrets, type BrokerHost, type BrokerUrl } from '../../brokers/url.js';
import { InfraError, InterruptedError, UsageError } from '../../core/errors.js';
import { formatDuration, parseDuration } from '../../core/units.js';
import { colourLevel, makeChalk } from '../../render/colour.js';
import { startSpinner, type Spinner } from '../../render/spinner.js';
import type { CliIO } from '../context.js';

export const DEFAULT_CONNECT_TIMEOUT_MS = 5000;

export type AdapterRegistry = { readonly [K in RealAdapterName]?: () => Promise<RealAdapter> };

export type BrokerIO = Pick<CliIO, 'stderr' | 'env' | 'colourFlag' | 'signal'>;

/** What the user was doing: it decides the hints (a live run may simply drop --live). */
export type Purpose = 'run' | 'doctor' | 'clean';

export interface ReachOptions {
  timeoutMs: number;
  purpose: Purpose;
  /** The adapters of this build; tests inject fakes. */
  registry?: AdapterRegistry;
  /** The spinner's text; default "connecting to <url>". */
  label?: string;
  /** No spinner: the caller shows one for several brokers at once. */
  quiet?: boolean;
  /**
   * Time the action may take beyond the connect deadline (clean-up of many names). The
   * adapter still gives up connecting at `timeoutMs`; this only bounds the work after it.
   */
  workMs?: number;
}

/** `--connect-timeout 10s` (`500ms`, `1m`; a bare number is seconds). */
export function parseConnectTimeout(flag: string | undefined): number {
  if (flag === undefined) return DEFAULT_CONNECT_TIMEOUT_MS;
  const ms = /^\s*\d+(\.\d+)?\s*$/.test(flag) ? Number(flag) * 1000 : parseDuration(flag);
  if (ms === undefined || !(ms > 0) || ms > 600_000) {
    throw new UsageError(`--connect-timeout ${JSON.stringify(flag)}: expected a duration between 1ms and 10m, e.g. 5s or 500ms`);
  }
  return ms;
}

export function adaptersInBuild(registry: AdapterRegistry = realAdapters): RealAdapterName[] {
  return (Object.keys(registry) as RealAdapterName[]).filter((k) => registry[k] !== undefined);
}

export function unavailableMessage(target: BrokerUrl, registry: AdapterRegistry = realAdapters): string {
  const present = ['memory', ...adaptersInBuild(registry)].join(', ');
  return `the ${target.adapter} adapter is not available in this build of patterns (adapters here: ${present})`;
}

/** The adapter for a URL, or a UsageError saying this build has none for it. */
export async function loadAdapter(target: BrokerUrl, registry: AdapterRegistry = realAdapters, purpose: Purpose = 'run'): Promise<RealAdapter> {
  if (target.adapter === 'memory') throw new UsageError('the memory broker lives inside the run: there is nothing to connect to');
  const load = registry[target.adapter];
  if (load === undefined) {
    const hint = purpose === 'run' ? ['use --broker memory to run on the simulated broker, or a broker whose adapter is listed'] : [];
    throw new UsageError(`${target.display}: ${unavailableMessage(target, registry)}`, hint);
  }
  return load();
}

/**
 * Runs `action` against the broker within one deadline: a TCP probe of its host(s) first
 * (so "nothing listens there" is said plainly, whatever the client library would do), then
 * the adapter. When the deadline passes or Ctrl-C comes first, a result that still arrives
 * goes to `onLate` (to close what it opened).
 */
export async function reachBroker<T>(
  target: BrokerUrl,
  io: BrokerIO,
  options: ReachOptions,
  action: (adapter: RealAdapter, remainingMs: number) => Promise<T>,
  onLate: (value: T) => void = () => {},
): Promise<T> {
  const started = performance.now();
  const remaining = () => Math.max(1, options.timeoutMs - (performance.now() - started));
  const spinner = options.quiet ? { stop() {} } : brokerSpinner(io, options.label ?? `connecting to ${target.display} …`);
  let stage: BrokerFailure['stage'] = 'probe';
  try {
    await bounded(probe(target.hosts, options.timeoutMs, io.signal), remaining(), options.timeoutMs, io.signal, () => {});
    const adapter = await loadAdapter(target, options.registry, options.purpose);
    stage = 'adapter';
    return await bounded(action(adapter, remaining()), remaining() + (options.workMs ?? 0), options.timeoutMs + (options.workMs ?? 0), io.signal, onLate);
  } catch (error) {
    if (error instanceof UsageError || error instanceof InterruptedError) throw error;
    throw connectFailure(target, error, options, stage);
  } finally {
    spinner.stop();
  }
}

/** The spinner commands show while they wait on brokers (stderr, terminal only, colour rules respected). */
export function brokerSpinner(io: BrokerIO, text: string): Spinner {
  const paint = makeChalk(colourLevel({ env: io.env, isTTY: io.stderr.isTTY, flag: io.colourFlag })).cyan;
  return startSpinner(io.stderr, text, paint);
}

/** Opens a run's broker under its prefix; one that opens after the deadline is disposed at once. */
export function openBroker(target: BrokerUrl, io: BrokerIO, options: ReachOptions & { prefix: string; clientName?: string }): Promise<RealBroker> {
  return reachBroker(
    target,
    io,
    options,
    (adapter, remainingMs) =>
      adapter.open(target.url, { prefix: options.prefix, connectTimeoutMs: remainingMs, ...(options.clientName ? { clientName: options.clientName } : {}) }),
    (late) => void late.dispose().catch(() => {}),
  );
}

class Deadline extends Error {
  constructor(readonly ms: number) {
    super(`no answer within ${formatDuration(ms)}`);
  }
}

/** `work`, or a Deadline after `ms` (reported as the whole `totalMs` budget), or InterruptedError on Ctrl-C. */
function bounded<T>(work: Promise<T>, ms: number, totalMs: number, signal: AbortSignal, onLate: (value: T) => void): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return false;
      settled = true;
      clearTimeout(timer);
      signal.removeEventListener('abort', onAbort);
      f();
      return true;
    };
    const onAbort = () => finish(() => reject(new InterruptedError()));
    const timer = setTimeout(() => finish(() => reject(new Deadline(totalMs))), ms);
    if (signal.aborted) onAbort();
    else signal.addEventListener('abort', onAbort, { once: true });
    work.then(
      (value) => {
        if (!finish(() => resolve(value))) onLate(value);
      },
      (error: unknown) => finish(() => reject(error)),
    );
  });
}

/** Resolves when one of the hosts accepts a TCP connection; rejects with the last refusal. */
export function probe(hosts: readonly BrokerHost[], timeoutMs: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    let pending = hosts.length;
    let lastError: unknown;
    let done = false;
    for (const { host, port } of hosts) {
      // The signal closes a socket still connecting when the user gives up, so nothing lingers.
      const socket = tcpConnect({ host, port, timeout: timeoutMs, ...(signal ? { signal } : {}) });
      const end = (error?: unknown) => {
        socket.destroy();
        if (done) return;
        if (error === undefined) {
          done = true;
          resolve();
          return;
        }
        lastError = error;
        if (--pending === 0) {
          done = true;
          reject(lastError);
        }
      };
      socket.once('connect', () => end());
      socket.once('timeout', () => end(new Deadline(timeoutMs)));
      socket.once('error', (error) => end(error));
    }
  });
}

/**
 * A broker that could not be used. `stage` says how far it got: `probe` (nothing answered
 * on its port) or `adapter` (it answered, then the client failed: credentials, TLS, a
 * handshake, a command).
 */
export class BrokerFailure extends InfraError {
  constructor(
    message: string,
    details: string[],
    readonly stage: 'probe' | 'adapter',
    /** The cause in words, masked. */
    readonly reason: string,
  ) {
    super(message, details);
  }
}

/** The InfraError a failed connection becomes: masked URL, the cause in words, and hints. */
export function connectFailure(target: BrokerUrl, error: unknown, options: Pick<ReachOptions, 'purpose' | 'timeoutMs'>, stage: BrokerFailure['stage'] = 'probe'): BrokerFailure {
  const cause = maskSecrets(describeCause(error, target), [target.password]);
  // A masked URL pasted back would fail to log in: with a password, the hint says URL.
  const url = target.password === undefined ? `'${target.display}'` : 'URL';
  const hints = [`is it running, and is the URL right? \`patterns doctor --broker ${url}\` checks it`];
  if (error instanceof Deadline) hints.push(`a slow network? raise --connect-timeout (now ${formatDuration(options.timeoutMs)})`);
  if (options.purpose === 'run') hints.push('or drop --live to run on the simulated in-memory broker');
  const what = stage === 'probe' ? 'cannot reach' : 'cannot use';
  // Adapters often name the URL themselves ("cannot connect to RabbitMQ at amqp://…"): say it once.
  const message = cause.includes(target.display) ? cause : `${what} ${target.display}: ${cause}`;
  return new BrokerFailure(message, hints.map((h) => `hint: ${h}`), stage, cause);
}

type NetError = NodeJS.ErrnoException & { hostname?: string };

const CODES: Record<string, (e: NetError, where: string) => string> = {
  ECONNREFUSED: (_e, where) => `connection refused: nothing listens on ${where}`,
  ENOTFOUND: (e) => `unknown host${e.hostname ? ` ${JSON.stringify(e.hostname)}` : ''}`,
  EAI_AGAIN: (e) => `cannot resolve ${JSON.stringify(e.hostname ?? 'the host')} (DNS)`,
  ETIMEDOUT: () => 'the connection timed out',
  ECONNRESET: () => 'the connection was reset',
  EHOSTUNREACH: (_e, where) => `${where} is unreachable`,
  ENETUNREACH: (_e, where) => `${where} is unreachable (no route)`,
};

/** One line saying why: errno codes in words, the innermost useful message otherwise. */
export function describeCause(error: unknown, target: BrokerUrl): string {
  const where = target.hosts.map((h) => `${h.host.includes(':') ? `[${h.host}]` : h.host}:${h.port}`).join(', ');
  let e: unknown = error;
  // Node reports a refused "localhost" (tried as ::1 and 127.0.0.1) as an AggregateError with no message.
  while (e instanceof AggregateError && e.errors.length > 0 && !e.message) e = e.errors[0];
  if (e instanceof Deadline) return e.message;
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code !== undefined && CODES[code]) return CODES[code](e as NetError, where);
    const inner = e.cause instanceof Error && e.cause !== e ? describeCause(e.cause, target) : undefined;
    if (inner && !e.message.includes(inner)) return e.message ? `${e.message}: ${inner}` : inner;
    return e.message || e.name;
  }
  return String(e);
}
