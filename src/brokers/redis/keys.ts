/**
 * Where everything lives in Redis. Every key (and channel) a run uses starts with its
 * prefix (`patterns.<run>.`), so clean-up can find exactly those with SCAN MATCH:
 *
 *   <prefix>~topology         hash: `queue:<name>` → options (JSON), `topic:<name>` → 1
 *   <prefix><queue>           stream with one consumer group (`g`): the queue
 *   <prefix><topic>           pub/sub channel for non-durable subscriptions (not a key)
 *   <prefix><topic>|subs      set of the topic's durable subscription names
 *   <prefix><topic>@<sub>     stream + group: a durable subscription (a queue of its own)
 *   <prefix>~live|<consumer>  a consumer connection's heartbeat (expires when it stops)
 */
import type { Message } from '../broker.js';

/** The one consumer group of every queue stream: competing consumers share it. */
export const GROUP = 'g';

export class RedisKeys {
  constructor(readonly prefix: string) {}

  get topology(): string {
    return `${this.prefix}~topology`;
  }

  queue(name: string): string {
    return this.prefix + name;
  }

  channel(topic: string): string {
    return this.prefix + topic;
  }

  subscriptions(topic: string): string {
    return `${this.prefix}${topic}|subs`;
  }

  /** Durable subscription streams are `<prefix><topic>@<sub>`: the publish script builds them from this. */
  durableBase(topic: string): string {
    return `${this.prefix}${topic}@`;
  }

  live(consumer: string): string {
    return `${this.prefix}~live|${consumer}`;
  }
}

/** `topic@name`, as accounting names a topic subscription (groups.ts). */
export function durableQueueName(topic: string, name: string): string {
  return `${topic}@${name}`;
}

/** A glob pattern matching exactly `literal` followed by `tail` (SCAN MATCH). */
export function globLiteral(literal: string): string {
  return literal.replace(/[*?[\]\\]/g, (c) => `\\${c}`);
}

/** A URL as it may be shown: the password replaced by `***`. */
export function maskUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@');
}

export function encodeMessage(message: Message): string {
  return JSON.stringify(message);
}

export function decodeMessage(raw: string): Message {
  return JSON.parse(raw) as Message;
}
