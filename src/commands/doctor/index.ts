/**
 * `patterns doctor`: is this machine ready for live runs? Node against the package's
 * engines, then each configured broker — reachable, its version, whether names can be
 * created and removed there (under `patterns.`, by the adapter). Returns a result; the CLI
 * renders it (render.ts) or prints it as JSON, and exits 3 when a check failed.
 */
import { readFileSync } from 'node:fs';
import { BROKER_ENV, brokersFrom, maskUrl, parseBrokerList, type BrokerAdapterName, type BrokerUrl } from '../../brokers/url.js';
import { PatternsError, UsageError } from '../../core/errors.js';
import { BrokerFailure, adaptersInBuild, brokerSpinner, parseConnectTimeout, reachBroker, unavailableMessage, type AdapterRegistry, type BrokerIO } from '../broker/connect.js';
import { realAdapters } from '../../brokers/adapters.js';

export interface DoctorFlags {
  broker?: string[];
  connectTimeout?: string;
}

/** `unreachable`: nothing answered on its port; `failing`: it answered, then the client failed (credentials, TLS, a command). */
export type BrokerStatus = 'ok' | 'in-process' | 'unreachable' | 'failing' | 'unavailable' | 'cannot-create' | 'invalid';

export interface BrokerCheck {
  /** Masked. */
  broker: string;
  adapter: BrokerAdapterName | undefined;
  /** Where it is configured: `--broker`, `PATTERNS_BROKER`, `REDIS_URL`, … */
  from: string[];
  status: BrokerStatus;
  ok: boolean;
  version?: string;
  canCreate?: boolean;
  /** What went wrong, in words (masked). */
  problem?: string;
  /** The adapter's remarks and what to try. */
  notes: string[];
}

export interface DoctorResult {
  ok: boolean;
  node: { version: string; required: string; ok: boolean };
  /** Adapters this build of patterns has, memory first. */
  adapters: string[];
  brokers: BrokerCheck[];
}

export interface DoctorDeps {
  registry?: AdapterRegistry;
  nodeVersion?: string;
}

export async function doctorCommand(flags: DoctorFlags, io: BrokerIO, deps: DoctorDeps = {}): Promise<DoctorResult> {
  const registry = deps.registry ?? realAdapters;
  const timeoutMs = parseConnectTimeout(flags.connectTimeout);
  const node = nodeCheck(deps.nodeVersion ?? process.versions.node);
  const configured = configuredBrokers(flags, io.env);
  const real = configured.filter((c) => c.target !== undefined && c.target.adapter !== 'memory').length;
  const spinner = real > 0 ? brokerSpinner(io, real === 1 ? 'checking the broker …' : `checking ${real} brokers …`) : { stop() {} };
  let brokers: BrokerCheck[];
  try {
    brokers = await Promise.all(configured.map((c) => check(c, io, timeoutMs, registry)));
  } finally {
    spinner.stop();
  }
  return {
    ok: node.ok && brokers.every((b) => b.ok),
    node,
    adapters: ['memory', ...adaptersInBuild(registry)],
    brokers,
  };
}

interface Configured {
  from: string[];
  target?: BrokerUrl;
  /** For an environment variable that does not parse. */
  invalid?: { text: string; problem: string };
}

/**
 * `--broker` flags when given (a bad one is a usage error, exit 2); otherwise every broker
 * the environment names: PATTERNS_BROKER, REDIS_URL, AMQP_URL, KAFKA_BROKERS. A bad
 * environment variable is a failed check, not an abort: finding those is doctor's job.
 */
export function configuredBrokers(flags: Pick<DoctorFlags, 'broker'>, env: NodeJS.ProcessEnv): Configured[] {
  if (flags.broker && flags.broker.length > 0) return brokersFrom(flags.broker, env).map((target) => ({ from: ['--broker'], target }));
  const out: Configured[] = [];
  const add = (source: string, text: string | undefined) => {
    const value = text?.trim();
    if (!value) return;
    const list = source === 'KAFKA_BROKERS' && !value.includes('://') ? `kafka://${value}` : value;
    let targets: BrokerUrl[];
    try {
      targets = parseBrokerList(list, source);
    } catch (error) {
      if (!(error instanceof UsageError)) throw error;
      out.push({ from: [source], invalid: { text: maskUrl(value), problem: error.message } });
      return;
    }
    for (const target of targets) {
      const same = out.find((c) => c.target?.endpoint === target.endpoint);
      if (same) same.from.push(source);
      else out.push({ from: [source], target });
    }
  };
  add('PATTERNS_BROKER', env['PATTERNS_BROKER']);
  for (const name of BROKER_ENV) add(name, env[name]);
  return out;
}

async function check(c: Configured, io: BrokerIO, timeoutMs: number, registry: AdapterRegistry): Promise<BrokerCheck> {
  if (c.target === undefined) {
    return { broker: c.invalid!.text, adapter: undefined, from: c.from, status: 'invalid', ok: false, problem: c.invalid!.problem, notes: [] };
  }
  const target = c.target;
  const base = { broker: target.display, adapter: target.adapter, from: c.from };
  if (target.adapter === 'memory') {
    return { ...base, status: 'in-process', ok: true, version: 'built in', canCreate: true, notes: [] };
  }
  try {
    const report = await reachBroker(target, io, { timeoutMs, purpose: 'doctor', registry, quiet: true }, (adapter, remainingMs) =>
      adapter.doctor(target.url, { connectTimeoutMs: remainingMs }),
    );
    return {
      ...base,
      status: report.canCreate ? 'ok' : 'cannot-create',
      ok: report.canCreate,
      version: report.version,
      canCreate: report.canCreate,
      ...(report.canCreate ? {} : { problem: 'could not create and remove a test name under patterns. (permissions?)' }),
      notes: report.notes,
    };
  } catch (error) {
    // The TCP probe passed (it runs first), but this build cannot talk to that broker.
    if (error instanceof UsageError && registry[target.adapter] === undefined) {
      return { ...base, status: 'unavailable', ok: false, problem: unavailableMessage(target, registry), notes: ['the broker answers on its port'] };
    }
    if (!(error instanceof PatternsError) || error instanceof UsageError) throw error;
    const failure = error instanceof BrokerFailure ? error : undefined;
    const notes = error.details.filter((d) => d.includes('--connect-timeout')).map((d) => d.replace(/^hint: /, ''));
    return { ...base, status: failure?.stage === 'adapter' ? 'failing' : 'unreachable', ok: false, problem: failure?.reason ?? error.message, notes };
  }
}

const pkg = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { engines?: { node?: string } };

/** Node against `engines.node` (a `>=x.y.z` range, which is what the package declares). */
export function nodeCheck(version: string, required = pkg.engines?.node ?? '>=20'): DoctorResult['node'] {
  const need = /^>=\s*(\d+)(?:\.(\d+))?(?:\.(\d+))?$/.exec(required.trim());
  if (!need) return { version: `v${version}`, required, ok: true };
  const have = version.replace(/^v/, '').split('.').map((n) => Number.parseInt(n, 10) || 0);
  const want = [need[1], need[2], need[3]].map((n) => Number(n ?? 0));
  let ok = true;
  for (let i = 0; i < 3; i++) {
    const h = have[i] ?? 0;
    if (h !== want[i]!) {
      ok = h > want[i]!;
      break;
    }
  }
  return { version: `v${version.replace(/^v/, '')}`, required, ok };
}
