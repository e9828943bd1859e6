/**
 * Broker URLs as users type them (`--broker`, `PATTERNS_BROKER`, `patterns doctor`):
 *
 *   memory                          the simulated broker, in the process
 *   redis://[user:pass@]host[:6379][/db]    rediss:// for TLS
 *   amqp://[user:pass@]host[:5672][/vhost]  amqps:// for TLS
 *   kafka://[user:pass@]host[:9092][,host[:port]…]
 *
 * A list is comma-separated (`memory,redis://localhost,amqp://localhost`). Kafka URLs hold
 * commas of their own, so the rule is: **a new item starts only where a piece begins with
 * `scheme://` or is `memory`; any other piece continues the item before it** — a Kafka host
 * list (`kafka://a:9092,b:9092`), or a comma inside a password. Only `kafka://` may name
 * several hosts.
 *
 * URLs keep their credentials (the clients need them); whatever is shown uses `display`,
 * with the password masked (`redis://:***@host`).
 */
import { UsageError } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import type { RealAdapterName } from './real.js';

export type BrokerAdapterName = 'memory' | RealAdapterName;

export const BROKER_SCHEMES = ['memory', 'redis://', 'rediss://', 'amqp://', 'amqps://', 'kafka://'] as const;

const ADAPTER_OF: Record<string, RealAdapterName> = {
  redis: 'redis',
  rediss: 'redis',
  amqp: 'rabbitmq',
  amqps: 'rabbitmq',
  kafka: 'kafka',
};

export const DEFAULT_PORTS: Record<RealAdapterName, number> = { redis: 6379, rabbitmq: 5672, kafka: 9092 };

/** Environment variables `patterns doctor` also looks at (besides PATTERNS_BROKER). */
export const BROKER_ENV = ['REDIS_URL', 'AMQP_URL', 'KAFKA_BROKERS'] as const;

export interface BrokerHost {
  host: string;
  port: number;
}

export interface BrokerUrl {
  adapter: BrokerAdapterName;
  /** As given, credentials included: what the adapter is handed. Never print it. */
  url: string;
  /** The URL with its password masked: the only form that is ever shown or stored. */
  display: string;
  /** Adapter, hosts and database/vhost without credentials: "the same broker" for manifests. */
  endpoint: string;
  tls: boolean;
  /** Empty for memory. */
  hosts: BrokerHost[];
  /** The password, decoded, so messages from clients can be scrubbed of it. */
  password?: string;
}

export const MEMORY_BROKER: BrokerUrl = { adapter: 'memory', url: 'memory', display: 'memory', endpoint: 'memory', tls: false, hosts: [] };

/**
 * One broker URL. `source` names where it came from in error messages (`--broker`,
 * `PATTERNS_BROKER`). Bad input is a UsageError (exit 2) listing the valid forms.
 */
export function parseBrokerUrl(text: string, source = '--broker'): BrokerUrl {
  const input = text.trim();
  if (input.toLowerCase() === 'memory') return MEMORY_BROKER;
  const where = `${source} ${JSON.stringify(maskUrl(input))}`;
  const m = /^([a-z][a-z0-9+.-]*):\/\/(.*)$/i.exec(input);
  if (!m) throw missingScheme(input, where);
  const scheme = m[1]!.toLowerCase();
  const adapter = ADAPTER_OF[scheme];
  if (adapter === undefined) {
    const hint = didYouMean(`${scheme}://`, BROKER_SCHEMES) ?? (/rabbit/.test(scheme) ? 'did you mean "amqp://"?' : undefined);
    throw new UsageError(`${where}: unknown scheme "${scheme}://"${hint ? ` (${hint})` : ''}`, validForms());
  }
  const rest = m[2]!;
  const { userinfo, hostPart, tail } = splitAuthority(rest);
  const password = passwordOf(userinfo);
  const hosts = parseHosts(hostPart, adapter, where);
  const path = adapter === 'kafka' ? '' : pathOf(tail);
  if (adapter === 'redis' && path !== '' && !/^\d+$/.test(path)) {
    throw new UsageError(`${where}: a Redis database is a number (redis://host:6379/2), not "${path}"`, validForms());
  }
  const hostList = hosts.map((h) => `${h.host}:${h.port}`);
  return {
    adapter,
    url: input,
    display: maskUrl(input),
    endpoint: `${adapter}://${(adapter === 'kafka' ? [...hostList].sort() : hostList).join(',')}${endpointPath(adapter, path)}`,
    tls: scheme === 'rediss' || scheme === 'amqps' || (adapter === 'kafka' && /[?&]ssl=true\b/i.test(tail)),
    hosts,
    ...(password === undefined ? {} : { password }),
  };
}

/**
 * A comma-separated list (see the rule at the top). Each item is parsed; an empty item
 * (`a,,b`, a trailing comma) is an error rather than quietly dropped.
 */
export function parseBrokerList(text: string, source = '--broker'): BrokerUrl[] {
  return splitBrokerList(text, source).map((item) => parseBrokerUrl(item, source));
}

export function splitBrokerList(text: string, source = '--broker'): string[] {
  const items: string[] = [];
  for (const raw of text.split(',')) {
    const piece = raw.trim();
    if (piece === '') throw new UsageError(`${source} ${JSON.stringify(maskUrl(text))}: an empty item in the list`, validForms());
    if (items.length === 0 || startsItem(piece)) items.push(piece);
    else items[items.length - 1] += `,${piece}`;
  }
  if (items.length === 0) throw new UsageError(`${source}: no broker given`, validForms());
  return items;
}

function startsItem(piece: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(piece) || piece.toLowerCase() === 'memory';
}

/**
 * The brokers a command was asked for: the `--broker` flags (each may be a list) if any,
 * else `PATTERNS_BROKER`, else none (the caller picks its default, usually memory).
 */
export function brokersFrom(flags: readonly string[] | string | undefined, env: NodeJS.ProcessEnv): BrokerUrl[] {
  const given = flags === undefined ? [] : typeof flags === 'string' ? [flags] : flags;
  if (given.length > 0) return dedupe(given.flatMap((f) => parseBrokerList(f, '--broker')));
  const fromEnv = env['PATTERNS_BROKER']?.trim();
  if (fromEnv) return dedupe(parseBrokerList(fromEnv, 'PATTERNS_BROKER'));
  return [];
}

/** The same broker named twice (maybe with other credentials) is one broker. */
function dedupe(list: BrokerUrl[]): BrokerUrl[] {
  const seen = new Set<string>();
  return list.filter((b) => (seen.has(b.endpoint) ? false : (seen.add(b.endpoint), true)));
}

/**
 * The URL with its password replaced by `***` (`amqp://guest:***@host`, `redis://:***@host`),
 * and password-like query parameters too. A string that is not a URL comes back unchanged.
 */
export function maskUrl(url: string): string {
  const m = /^([a-z][a-z0-9+.-]*:\/\/)(.*)$/is.exec(url);
  if (!m) return url;
  const { userinfo, hostPart, tail } = splitAuthority(m[2]!);
  let out = m[1]!;
  if (userinfo !== undefined) {
    const colon = userinfo.indexOf(':');
    out += colon < 0 || colon === userinfo.length - 1 ? `${userinfo}@` : `${userinfo.slice(0, colon)}:***@`;
  }
  return out + hostPart + tail.replace(/([?&;](?:[a-z_]*pass(?:word)?|pwd|secret|token|sasl[a-z_.]*password)=)[^&#;]*/gi, '$1***');
}

/**
 * Any text (an error from a client library) with every URL in it masked and the given
 * passwords blanked out, so nothing a user sees or a CI log keeps holds a credential.
 */
export function maskSecrets(text: string, passwords: readonly (string | undefined)[] = []): string {
  let out = text.replace(/\b[a-z][a-z0-9+.-]*:\/\/[^\s'"<>]+/gi, (u) => maskUrl(u));
  for (const p of passwords) {
    // Very short passwords would blank out ordinary letters; the URLs are masked anyway.
    if (p !== undefined && p.length >= 3) out = out.split(p).join('***');
  }
  return out;
}

/** userinfo ends at the last `@` before the query, so an unencoded `@` or `/` in a password is still masked. */
function splitAuthority(rest: string): { userinfo: string | undefined; hostPart: string; tail: string } {
  const q = rest.search(/[?#]/);
  const head = q < 0 ? rest : rest.slice(0, q);
  const query = q < 0 ? '' : rest.slice(q);
  const at = head.lastIndexOf('@');
  const userinfo = at < 0 ? undefined : head.slice(0, at);
  const afterAt = at < 0 ? head : head.slice(at + 1);
  const slash = afterAt.indexOf('/');
  const hostPart = slash < 0 ? afterAt : afterAt.slice(0, slash);
  const path = slash < 0 ? '' : afterAt.slice(slash);
  return { userinfo, hostPart, tail: path + query };
}

function passwordOf(userinfo: string | undefined): string | undefined {
  if (userinfo === undefined) return undefined;
  const colon = userinfo.indexOf(':');
  if (colon < 0 || colon === userinfo.length - 1) return undefined;
  const raw = userinfo.slice(colon + 1);
  try {
    return decodeURIComponent(raw);
  } catch {
    return raw;
  }
}

/** The database (Redis, default 0) or vhost (RabbitMQ, default `/`), so equal brokers have equal endpoints. */
function endpointPath(adapter: RealAdapterName, path: string): string {
  if (adapter === 'redis') return `/${path === '' ? '0' : path}`;
  if (adapter === 'rabbitmq') {
    let vhost = path;
    try {
      vhost = decodeURIComponent(path);
    } catch {
      // Left as written: still a stable key.
    }
    return `/${encodeURIComponent(vhost === '' ? '/' : vhost)}`;
  }
  return '';
}

function pathOf(tail: string): string {
  const q = tail.search(/[?#]/);
  const path = (q < 0 ? tail : tail.slice(0, q)).replace(/^\//, '');
  return path;
}

function parseHosts(hostPart: string, adapter: RealAdapterName, where: string): BrokerHost[] {
  const pieces = hostPart.split(',');
  if (pieces.length > 1 && adapter !== 'kafka') {
    throw new UsageError(`${where}: only kafka:// takes a list of hosts; separate brokers are separate URLs (redis://a,amqp://b)`, validForms());
  }
  return pieces.map((piece) => {
    const m = /^(\[[0-9a-f:.]+\]|[^:[\]]*)(?::(\d*))?$/i.exec(piece);
    const host = m?.[1] ?? '';
    if (!m || host === '') throw new UsageError(`${where}: ${piece === '' ? 'no host' : `"${piece}" is not a host[:port]`}`, validForms());
    const port = m[2] === undefined || m[2] === '' ? DEFAULT_PORTS[adapter] : Number(m[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw new UsageError(`${where}: port ${m[2]} is out of range (1–65535)`, validForms());
    return { host: host.replace(/^\[(.*)\]$/, '$1'), port };
  });
}

function missingScheme(input: string, where: string): UsageError {
  const port = /:(\d+)(?:[/,]|$)/.exec(input)?.[1];
  const guess = port === '6379' ? 'redis' : port === '5672' ? 'amqp' : port === '9092' ? 'kafka' : undefined;
  const hint = guess ? ` (did you mean "${guess}://${input}"?)` : '';
  return new UsageError(`${where}: not a broker URL: it needs a scheme${hint}`, validForms());
}

function validForms(): string[] {
  return [
    'valid brokers: memory, redis://host[:6379][/db], rediss://… (TLS), amqp://user:pass@host[:5672][/vhost], amqps://… (TLS), kafka://host[:9092][,host:port…]',
    'several at once: --broker memory,redis://localhost,amqp://localhost (a piece without a scheme continues a kafka:// host list)',
  ];
}
