/**
 * Message ↔ Kafka record: the id, declared size and timestamp travel in `x-patterns-*`
 * headers, the partition key as the record key, the body as JSON in the value.
 */
import type { IHeaders, KafkaMessage, Message as KafkaOut } from 'kafkajs';
import type { Json } from '../../core/trace.js';
import type { Message } from '../broker.js';

const ID = 'x-patterns-id';
const SIZE = 'x-patterns-size';
const TS = 'x-patterns-ts';

export function encode(message: Message, partition?: number): KafkaOut {
  const headers: IHeaders = { ...message.headers, [ID]: message.id, [SIZE]: String(message.size), [TS]: String(message.timestamp) };
  const out: KafkaOut = { value: message.body === undefined ? null : JSON.stringify(message.body), headers };
  if (message.key !== undefined) out.key = message.key;
  if (partition !== undefined) out.partition = partition;
  return out;
}

export function decode(record: KafkaMessage): Message {
  const headers: Record<string, string> = {};
  let id = '';
  let size: number | undefined;
  let timestamp = 0;
  for (const [k, raw] of Object.entries(record.headers ?? {})) {
    const v = text(raw);
    if (v === undefined) continue;
    if (k === ID) id = v;
    else if (k === SIZE) size = Number(v);
    else if (k === TS) timestamp = Number(v);
    else if (!k.startsWith('x-patterns-')) headers[k] = v;
  }
  const value = record.value;
  return {
    id,
    key: record.key === null || record.key === undefined ? undefined : record.key.toString('utf8'),
    headers,
    body: value === null || value.length === 0 ? undefined : parseBody(value),
    size: size ?? value?.length ?? 0,
    timestamp,
  };
}

function text(raw: IHeaders[string]): string | undefined {
  const one = Array.isArray(raw) ? raw[0] : raw;
  return one === undefined ? undefined : one.toString();
}

/** A value that is not JSON (written by something else) is kept as text. */
function parseBody(value: Buffer): Json {
  const s = value.toString('utf8');
  try {
    return JSON.parse(s) as Json;
  } catch {
    return s;
  }
}
