import { describe, expect, it } from 'vitest';
import { loadScenarioText } from '../scenario/load.js';
import { totalsOf, watchedQueues, watchedStreams } from './depth-watch.js';

const scenario = loadScenarioText(
  'watch.yaml',
  `
name: watch
title: t
pattern: pub-sub
goal: t
duration: 1s
components:
  broker:
    kind: broker
    queues:
      orders: { deadLetter: { to: orders-dlq } }
      refunds: { deadLetter: { to: orders-dlq } }
      orders-dlq: {}
    topics: [events]
    streams:
      ledger: { partitions: 3 }
  bookkeeper:
    kind: consumer
    broker: broker
    stream: ledger
  auditors:
    kind: consumer
    broker: broker
    stream: ledger
    group: audit
  orders-in:
    kind: producer
    broker: broker
    queue: orders
  worker:
    kind: consumer
    broker: broker
    queue: orders
  mailer:
    kind: consumer
    broker: broker
    topic: events
    durable: true
  audit:
    kind: consumer
    broker: broker
    topic: events
    durable: true
    group: audit-log
  analytics:
    kind: consumer
    broker: broker
    topic: events
expect:
  - { id: x, says: x, metric: worker.processed, atLeast: 0 }
`,
);

describe('what a live run watches on its broker', () => {
  it('its queues, which dead-letter into which, and the durable subscriptions of its topics (named as the ledger names them)', () => {
    expect(watchedQueues(scenario, 'broker')).toEqual([
      { name: 'orders' },
      { name: 'refunds' },
      { name: 'orders-dlq', deadLetterFor: ['orders', 'refunds'] },
      { name: 'events@mailer' },
      { name: 'events@audit-log' },
    ]);
    expect(watchedQueues(scenario, 'no-such-broker')).toEqual([]);
    expect(watchedStreams(scenario, 'broker')).toEqual([{ name: 'ledger', partitions: 3, groups: ['bookkeeper', 'audit'] }]);
  });

  it.each([
    ['ready and unacked add up over work queues', [{ ready: 3, unacked: 1 }, { ready: 2, unacked: 0 }, { ready: 0, unacked: 0 }], { depth: 5, inFlight: 1, deadLettered: 0, queued: true }],
    ['a dead-letter queue counts whole, apart', [{ ready: 0, unacked: 0 }, { ready: 0, unacked: 0 }, { ready: 4, unacked: 1 }], { depth: 0, inFlight: 0, deadLettered: 5, queued: true }],
    ['unacked unknown anywhere (RabbitMQ): in flight unknown', [{ ready: 3 }, { ready: 2 }, { ready: 1 }], { depth: 5, inFlight: undefined, deadLettered: 1, queued: true }],
  ])('%s', (_, depths, totals) => {
    const queues = [{ name: 'a' }, { name: 'b' }, { name: 'dlq', deadLetterFor: ['a'] }];
    expect(totalsOf(queues, depths)).toEqual(totals);
  });
});
