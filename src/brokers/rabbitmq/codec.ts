/**
 * Message ↔ AMQP. The id travels as `messageId`, the rest of what the Broker interface
 * carries (key, declared size, timestamp) in `x-patterns-*` headers, the body as JSON.
 * RabbitMQ's own headers become the interface's: `x-death` → `x-dead-letter-from` and
 * `x-dead-letter-reason`, `x-delivery-count` → `deliveryCount`.
 */
import type { ConsumeMessage, Options } from 'amqplib';
import type { Json } from '../../core/trace.js';
import type { Message, SendOptions } from '../broker.js';

const SIZE = 'x-patterns-size';
const TS = 'x-patterns-ts';
const KEY = 'x-patterns-key';
const empty = Buffer.alloc(0);

export function encode(message: Message, options?: SendOptions): { content: Buffer; properties: Options.Publish } {
  const headers: Record<string, string | number> = { ...message.headers, [SIZE]: message.size, [TS]: message.timestamp };
  if (message.key !== undefined) headers[KEY] = message.key;
  const properties: Options.Publish = { messageId: message.id, persistent: true, headers };
  if (options?.priority !== undefined) properties.priority = options.priority;
  if (options?.ttlMs !== undefined) properties.expiration = String(Math.max(0, Math.floor(options.ttlMs)));
  const content = message.body === undefined ? empty : Buffer.from(JSON.stringify(message.body));
  if (message.body !== undefined) properties.contentType = 'application/json';
  return { content, properties };
}

const deathReasons: Record<string, string> = { rejected: 'rejected', expired: 'expired', delivery_limit: 'delivery-limit', maxlen: 'max-length' };

/** The message as the producer sent it; `unprefix` turns a RabbitMQ queue name back into the run's. */
export function decode(raw: ConsumeMessage, unprefix: (name: string) => string): Message {
  const props = raw.properties;
  const incoming = (props.headers ?? {}) as Record<string, unknown>;
  const headers: Record<string, string> = {};
  for (const [k, v] of Object.entries(incoming)) {
    if (typeof v === 'string' && !k.startsWith('x-patterns-') && !k.startsWith('x-first-death') && !k.startsWith('x-last-death')) headers[k] = v;
  }
  const death = firstDeath(incoming['x-death']);
  if (death) {
    headers['x-dead-letter-from'] = unprefix(death.queue);
    headers['x-dead-letter-reason'] = deathReasons[death.reason] ?? death.reason;
  }
  const key = incoming[KEY];
  const size = incoming[SIZE];
  const ts = incoming[TS];
  return {
    id: typeof props.messageId === 'string' ? props.messageId : '',
    key: typeof key === 'string' ? key : undefined,
    headers,
    body: raw.content.length === 0 ? undefined : parseBody(raw.content),
    size: typeof size === 'number' ? size : raw.content.length,
    timestamp: typeof ts === 'number' ? ts : 0,
  };
}

/**
 * 1 on the first delivery. Quorum queues count in `x-delivery-count` (absent the first
 * time); classic queues only say `redelivered`, which the interface reports as 2.
 */
export function deliveryCount(raw: ConsumeMessage): number {
  const counted = (raw.properties.headers as Record<string, unknown> | undefined)?.['x-delivery-count'];
  if (typeof counted === 'number') return counted + 1;
  return raw.fields.redelivered ? 2 : 1;
}

/** A body that is not JSON (written by something else) is kept as text. */
function parseBody(content: Buffer): Json {
  const text = content.toString('utf8');
  try {
    return JSON.parse(text) as Json;
  } catch {
    return text;
  }
}

function firstDeath(value: unknown): { queue: string; reason: string } | undefined {
  if (!Array.isArray(value) || value.length === 0) return undefined;
  const d = value[0] as Record<string, unknown>;
  return typeof d['queue'] === 'string' && typeof d['reason'] === 'string' ? { queue: d['queue'], reason: d['reason'] } : undefined;
}
