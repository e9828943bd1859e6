/**
 * What a live run needs to know of a broker URL: which adapter answers it, the URL with
 * its password masked (for every message), and where a TCP proxy can sit in front of it.
 */
import { UsageError } from '../core/errors.js';
import type { RealAdapterName } from '../brokers/real.js';

export type LiveBroker = { adapter: 'memory' } | { adapter: RealAdapterName; url: string; masked: string; tls: boolean };

const schemes: Record<string, { adapter: RealAdapterName; tls: boolean }> = {
  'redis:': { adapter: 'redis', tls: false },
  'rediss:': { adapter: 'redis', tls: true },
  'amqp:': { adapter: 'rabbitmq', tls: false },
  'amqps:': { adapter: 'rabbitmq', tls: true },
  'kafka:': { adapter: 'kafka', tls: false },
};

export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
}

export function parseLiveBroker(text: string): LiveBroker {
  const trimmed = text.trim();
  if (trimmed === 'memory' || trimmed === 'memory://') return { adapter: 'memory' };
  const scheme = /^[a-z]+:/.exec(trimmed)?.[0];
  const known = scheme ? schemes[scheme] : undefined;
  if (!known) {
    throw new UsageError(`--broker ${maskUrl(trimmed)}: expected memory, redis://, rediss://, amqp://, amqps:// or kafka://host:port`, ['e.g. --broker redis://127.0.0.1:6379']);
  }
  try {
    // kafka://h1:p1,h2:p2 is not a WHATWG URL; its first host is enough to check.
    new URL(known.adapter === 'kafka' ? trimmed.split(',')[0]! : trimmed);
  } catch {
    throw new UsageError(`--broker ${maskUrl(trimmed)}: not a URL`);
  }
  return { adapter: known.adapter, url: trimmed, masked: maskUrl(trimmed), tls: known.tls };
}

const defaultPorts: Record<RealAdapterName, number> = { redis: 6379, rabbitmq: 5672, kafka: 9092 };

/** Host and port to proxy, or undefined when a proxy cannot sit in front (TLS checks the host name; Kafka redirects clients to the brokers it advertises). */
export function proxyTarget(b: Extract<LiveBroker, { url: string }>): { host: string; port: number } | undefined {
  if (b.tls || b.adapter === 'kafka') return undefined;
  const u = new URL(b.url);
  return { host: u.hostname.replace(/^\[|\]$/g, ''), port: u.port ? Number(u.port) : defaultPorts[b.adapter] };
}

/** The same URL, pointing at the proxy. */
export function throughProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}
