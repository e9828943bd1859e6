import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Events about one thing must be applied in order — an account’s deposit before its withdrawal — but one consumer is too slow, and many consumers on one queue process neighbouring events in parallel, out of order.',
  how:
    'Write events to a stream split into partitions, choosing the partition from a key (the account id): the same key always lands in the same partition. Each partition is read by one member of a consumer group at a time, record after record, and offsets are committed as records are done. Order holds per key, keys proceed in parallel. When members join or leave, partitions move (a rebalance) and the new owner starts at the last committed offset: records done but not committed are read again.',
  diagram: `
   acct-7 ─hash─▶ partition 1: [+100][-30][-50] ──▶ member B, in order
   acct-3 ─hash─▶ partition 0: [+20][-5]        ──▶ member A
   round robin: acct-7's events go to A and B ──▶ -50 before +100`,
  knobs: [
    { knob: 'partitionBy', trade: 'key keeps per-key order (and a hot key overloads one partition); round robin spreads load and loses order' },
    { knob: 'instances', trade: 'more members than partitions sit idle; fewer means each reads several partitions' },
  ],
  use: ['event streams where per-entity order matters: accounts, orders, devices', 'replayable logs several groups read at their own pace'],
  avoid: ['when you need one global order: that is a single partition (and a single reader)', 'skewed keys: one hot key makes one partition the bottleneck'],
  mistakes: [
    'changing the number of partitions (keys move, and their order breaks during the move)',
    'committing before processing (skips records after a crash) or processing without idempotency (duplicates after a rebalance)',
    'a consumer that processes one partition’s records in parallel, undoing the order the stream kept',
  ],
  related: ['pub-sub', 'idempotent-consumer'],
});
