import type { Broker } from '../brokers/broker.js';
import type { MessageLedger } from '../brokers/ledger.js';
import type { Destination } from '../components/destination.js';
import type { Clock } from '../core/clock.js';
import type { Random } from '../core/random.js';
import { MessagingEndpoint } from './messaging-endpoint.js';

export interface BusConfig {
  topic: string;
  link: number;
  reconnect: number;
}

/**
 * Invalidation across app servers: each server keeps its own connection to the broker and
 * its own durable subscription to one topic. A server that commits a write publishes the
 * key and its new version; every other server drops its older copy when the message
 * arrives — a broker hop later, which is how long the others can still serve the old value.
 */
export class InvalidationBus {
  private readonly endpoints: MessagingEndpoint[];
  private readonly to: Destination;
  private seq = 0;

  constructor(
    private readonly cacheName: string,
    servers: readonly string[],
    broker: Broker,
    ledger: MessageLedger,
    private readonly ctx: { clock: Pick<Clock, 'now' | 'setTimer'>; random: Random },
    cfg: BusConfig,
    received: (server: number, key: string, version: number) => void,
  ) {
    this.to = { kind: 'topic', name: cfg.topic };
    this.endpoints = servers.map((server, i) => {
      const endpoint = new MessagingEndpoint(`${cacheName}/${server}`, broker, { clock: ctx.clock, random: ctx.random.fork(server) }, ledger, {
        link: cfg.link,
        reconnect: cfg.reconnect,
        confirmTimeout: 2000,
      });
      endpoint.listen({ from: this.to, name: `${cacheName}-${server}`, prefetch: 1000, sessionTimeout: 3000 }, (job) => {
        const from = Number(job.message.headers['from']);
        if (from !== i) received(i, job.message.headers['key'] ?? '', Number(job.message.headers['version']));
        endpoint.effect(job);
        endpoint.complete(job);
      });
      endpoint.start();
      return endpoint;
    });
  }

  /** Tells the other servers that `key` is now at `version`. */
  publish(from: number, key: string, version: number): void {
    const endpoint = this.endpoints[from]!;
    endpoint.send(this.to, {
      id: `${this.cacheName}-invalidate-${++this.seq}`,
      key,
      headers: { key, version: String(version), from: String(from) },
      size: 64 + key.length,
      timestamp: this.ctx.clock.now(),
    });
  }

  /** The server's process died with the cache in it; its subscription keeps what it misses. */
  crash(server: number): () => void {
    const endpoint = this.endpoints[server]!;
    endpoint.crash();
    return () => endpoint.restart();
  }
}
