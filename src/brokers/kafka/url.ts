/**
 * `kafka://[user:password@]host[:port][,host[:port]...][?tls=1&sasl=plain|scram-sha-256|scram-sha-512]`:
 * the bootstrap brokers (port 9092 by default), TLS, and SASL credentials (PLAIN unless
 * `sasl` says otherwise). Several hosts make the string no WHATWG URL, hence this parser.
 */
import { UsageError } from '../../core/errors.js';
import { maskUrl } from '../url-secrets.js';

export const kafkaSchemes = ['kafka:'] as const;

export type SaslMechanism = 'plain' | 'scram-sha-256' | 'scram-sha-512';

export interface KafkaTarget {
  brokers: string[];
  tls: boolean;
  sasl?: { mechanism: SaslMechanism; username: string; password: string };
}

const mechanisms: readonly SaslMechanism[] = ['plain', 'scram-sha-256', 'scram-sha-512'];

export function parseKafkaUrl(url: string): KafkaTarget {
  const bad = (why: string) => new UsageError(`bad Kafka URL ${maskUrl(url)}: ${why}`, ['expected kafka://host:port[,host:port...] (port 9092 by default)']);
  const m = /^kafka:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?#]*)\/?(?:\?([^#]*))?$/i.exec(url);
  if (!m) throw bad('not a kafka:// URL');
  const [, user, password, hostList = '', query = ''] = m;
  const brokers = hostList.split(',').map((h) => h.trim());
  if (brokers.length === 0 || brokers.some((h) => h === '')) throw bad('no broker host');
  const parsed = brokers.map((h) => {
    const hm = /^(\[[0-9a-f:.]+\]|[a-z0-9._-]+)(?::(\d+))?$/i.exec(h);
    if (!hm) throw bad(`"${h}" is not host[:port]`);
    const port = hm[2] === undefined ? 9092 : Number(hm[2]);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw bad(`port ${hm[2]} is out of range`);
    return `${hm[1]}:${port}`;
  });
  const params = new URLSearchParams(query);
  const tls = ['1', 'true', 'yes'].includes((params.get('tls') ?? params.get('ssl') ?? '').toLowerCase());
  const target: KafkaTarget = { brokers: parsed, tls };
  const wanted = (params.get('sasl') ?? 'plain').toLowerCase();
  if (user !== undefined && user !== '') {
    if (!mechanisms.includes(wanted as SaslMechanism)) throw bad(`sasl=${wanted} is not one of ${mechanisms.join(', ')}`);
    target.sasl = { mechanism: wanted as SaslMechanism, username: decodeURIComponent(user), password: decodeURIComponent(password ?? '') };
  }
  return target;
}
