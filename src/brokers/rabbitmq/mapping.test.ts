import type { ConsumeMessage } from 'amqplib';
import { describe, expect, it } from 'vitest';
import type { Message } from '../broker.js';
import { decode, deliveryCount, encode } from './codec.js';
import { planQueue } from './names.js';
import { describeError, maskUrl } from './url.js';

const p = 'patterns.r1.';

describe('queue options → RabbitMQ queue', () => {
  it.each([
    ['plain', {}, { type: 'quorum', arguments: { 'x-queue-type': 'quorum' } }],
    ['priorities', { maxPriority: 300 }, { type: 'classic', arguments: { 'x-max-priority': 255 } }],
    [
      'dead letters and a delivery limit of 3',
      { deadLetter: { queue: 'dlq', afterDeliveries: 3 } },
      { type: 'quorum', arguments: { 'x-queue-type': 'quorum', 'x-dead-letter-exchange': '', 'x-dead-letter-routing-key': `${p}dlq`, 'x-delivery-limit': 2 } },
    ],
    ['message ttl', { messageTtlMs: 1500.7 }, { type: 'quorum', arguments: { 'x-queue-type': 'quorum', 'x-message-ttl': 1500 } }],
  ] as const)('%s', (_, options, plan) => {
    expect(planQueue(p, 'q', options)).toEqual(plan);
  });

  it.each([
    ['an ack timeout', { ackTimeoutMs: 100 }, /consumer timeout/],
    ['priorities with a delivery limit', { maxPriority: 5, deadLetter: { queue: 'd', afterDeliveries: 2 } }, /classic queue and a delivery limit a quorum queue/],
  ] as const)('refuses %s', (_, options, why) => {
    const plan = planQueue(p, 'q', options);
    expect('unsupported' in plan && plan.unsupported).toMatch(why);
  });
});

function raw(content: Buffer, properties: Record<string, unknown>, redelivered = false): ConsumeMessage {
  return { content, properties, fields: { redelivered, deliveryTag: 1, exchange: '', routingKey: '', consumerTag: 't' } } as unknown as ConsumeMessage;
}

describe('message ↔ AMQP', () => {
  const message: Message = { id: 'm1', key: 'k', headers: { tag: 'v' }, body: { a: [1, 'x'] }, size: 42, timestamp: 1234.5 };

  it('round-trips every field, and priority and ttl become AMQP properties', () => {
    const { content, properties } = encode(message, { priority: 3, ttlMs: 250 });
    expect(properties).toMatchObject({ messageId: 'm1', persistent: true, priority: 3, expiration: '250' });
    expect(decode(raw(content, properties as Record<string, unknown>), (n) => n)).toEqual(message);
  });

  it('a message without a body stays without one', () => {
    const { content, properties } = encode({ id: 'e', headers: {}, size: 1, timestamp: 0 });
    expect(content.length).toBe(0);
    expect(decode(raw(content, properties as Record<string, unknown>), (n) => n).body).toBeUndefined();
  });

  it('x-death becomes x-dead-letter-from (run name) and x-dead-letter-reason', () => {
    const { content, properties } = encode(message);
    const headers = { ...(properties.headers as object), 'x-death': [{ queue: `${p}jobs`, reason: 'delivery_limit', count: 1 }], 'x-first-death-queue': `${p}jobs` };
    const out = decode(raw(content, { ...properties, headers }), (n) => n.slice(p.length));
    expect(out.headers).toEqual({ tag: 'v', 'x-dead-letter-from': 'jobs', 'x-dead-letter-reason': 'delivery-limit' });
  });

  it.each([
    ['first delivery', {}, false, 1],
    ['classic queue, redelivered', {}, true, 2],
    ['quorum queue, third delivery', { 'x-delivery-count': 2 }, true, 3],
  ] as const)('delivery count: %s', (_, headers, redelivered, count) => {
    expect(deliveryCount(raw(Buffer.alloc(0), { headers }, redelivered))).toBe(count);
  });
});

describe('credentials', () => {
  it.each([
    ['amqp://guest:guest@h:5672/vh', 'amqp://guest:***@h:5672/vh'],
    ['amqps://u:p%40ss@h', 'amqps://u:***@h'],
    ['amqp://h:5672', 'amqp://h:5672'],
  ])('masks %s', (url, masked) => expect(maskUrl(url)).toBe(masked));

  it('scrubs the password from client errors, encoded or not', () => {
    const url = 'amqp://u:p%40ss@h';
    expect(describeError(new Error(`failed for ${url} with p@ss`), url)).toBe('failed for amqp://u:***@h with ***');
  });
});
