/**
 * Where the fault proxy can sit in front of a broker, and the broker's URL pointed at it.
 */
import type { BrokerHost, BrokerUrl } from '../brokers/url.js';

/**
 * The one host to proxy, or undefined when a proxy cannot sit in front: TLS checks the host
 * name, and Kafka sends clients on to the brokers it advertises, past any proxy.
 */
export function proxyTarget(b: BrokerUrl): BrokerHost | undefined {
  if (b.tls || b.adapter === 'kafka' || b.adapter === 'memory' || b.hosts.length !== 1) return undefined;
  const h = b.hosts[0]!;
  return { host: h.host.replace(/^\[|\]$/g, ''), port: h.port };
}

/** The same URL (credentials, database, vhost kept), pointing at the proxy. */
export function throughProxy(url: string, port: number): string {
  const u = new URL(url);
  u.hostname = '127.0.0.1';
  u.port = String(port);
  return u.toString();
}
