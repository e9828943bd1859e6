/**
 * kafkajs clients for the adapter: one `Kafka` per connection, whose sockets the adapter
 * owns (a socket factory), so an abrupt close can cut them as a crash would — kafkajs
 * itself only knows graceful disconnects, which leave the group at once.
 */
import { Kafka, logLevel, type KafkaConfig, type SASLOptions } from 'kafkajs';
import { connect as netConnect, isIP, Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';
import { BrokerConnectError } from '../real.js';
import { describeError, maskUrl } from '../url-secrets.js';
import type { KafkaTarget } from './url.js';

export interface KafkaClient {
  kafka: Kafka;
  /** Cuts every socket and refuses new ones: the broker sees a client that died. */
  kill(): void;
}

export function kafkaClient(target: KafkaTarget, clientId: string, connectTimeoutMs: number): KafkaClient {
  const sockets = new Set<Socket>();
  let dead = false;
  const config: KafkaConfig = {
    clientId,
    brokers: target.brokers,
    connectionTimeout: connectTimeoutMs,
    logLevel: logLevel.NOTHING,
    retry: { retries: 3, initialRetryTime: 100, maxRetryTime: 2000 },
    socketFactory: ({ host, port, ssl, onConnect }) => {
      if (dead) {
        const s = new Socket();
        setImmediate(() => s.destroy(new Error('the client was killed')));
        return s;
      }
      const socket = target.tls ? tlsConnect({ host, port, ...(isIP(host) ? {} : { servername: host }), ...ssl }, onConnect) : netConnect({ host, port }, onConnect);
      socket.setKeepAlive(true, 60_000);
      sockets.add(socket);
      socket.once('close', () => sockets.delete(socket));
      return socket;
    },
  };
  if (target.tls) config.ssl = true;
  if (target.sasl) config.sasl = { mechanism: target.sasl.mechanism, username: target.sasl.username, password: target.sasl.password } as SASLOptions;
  return {
    kafka: new Kafka(config),
    kill: () => {
      dead = true;
      for (const s of sockets) s.destroy();
    },
  };
}

/**
 * `work()` (a kafkajs connect), or a BrokerConnectError once `timeoutMs` has passed or it
 * failed; the message names the URL with its password masked.
 */
export async function withDeadline<T>(url: string, timeoutMs: number, work: Promise<T>, onLate: (value: T) => void): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([work, deadline]);
  } catch (error) {
    work.then(onLate, () => {});
    const detail = describeError(error, url);
    throw new BrokerConnectError(`cannot connect to Kafka at ${maskUrl(url)}: ${detail}`, new Error(detail));
  } finally {
    clearTimeout(timer);
  }
}
