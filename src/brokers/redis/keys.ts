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
 *   <prefix><stream>|<p>      partition p of a stream: entry ids 0-1, 0-2… (offset = seq − 1)
 *   <prefix><stream>|g:<group>          sorted set: the group's members, in join order
 *   <prefix><stream>|g:<group>|seq      join counter
 *   <prefix><stream>|g:<group>|offsets  hash: partition → committed offset (next to read)
 *   <prefix><stream>|g:<group>|alive:<member>  a member's heartbeat (its session timeout)
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

  live(consumer: string): string {
    return `${this.prefix}~live|${consumer}`;
  }

  partition(stream: string, p: number): string {
    return `${this.prefix}${stream}|${p}`;
  }

  /** The keys of one stream's consumer group. */
  group(stream: string, group: string): { members: string; seq: string; offsets: string; alivePrefix: string } {
    const base = `${this.prefix}${stream}|g:${group}`;
    return { members: base, seq: `${base}|seq`, offsets: `${base}|offsets`, alivePrefix: `${base}|alive:` };
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
export function encodeMessage(message: Message): string {
  return JSON.stringify(message);
}

export function decodeMessage(raw: string): Message {
  return JSON.parse(raw) as Message;
}
