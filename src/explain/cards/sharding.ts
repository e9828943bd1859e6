import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'One database cannot hold all the data or serve all the traffic. Splitting it into shards multiplies capacity — if the keys spread evenly, and if adding a shard does not mean moving everything. Real keys are skewed: one celebrity, one big customer, today’s date; the shard that owns them is overloaded while the others idle.',
  how:
    'A router maps each key to a shard. Hash mod N spreads keys evenly, but changing N moves nearly every key. Consistent hashing puts each shard on a ring at many points (virtual nodes); a key goes to the next point clockwise, so a new shard takes only about 1/N of the keys. Ranges keep neighbouring keys together (good for scans) and move by splitting ranges. None of them splits one hot key: salting does, spreading it over several sub-keys (and making its reads gather them).',
  diagram: `
   key ──hash──▶ ring:  ·s1·····s3··s2·····s1··s4····s2··▶ (next point)
                 mod N: hash(key) % shards   (N changes: ~all move)
                 range: [1..2500] s1  [2501..5000] s2  ...
   every second: a shard with hotAt × the mean load is HOT
   BALANCED ◀────────────▶ SKEWED (some shard HOT)`,
  knobs: [
    { knob: 'strategy', trade: 'hash-mod: simple and even, a resharding moves most keys; consistent-hash: ~1/N moves, needs enough vnodes to be even; range: scans and splits, hot neighbours land together' },
    { knob: 'vnodes', trade: 'more points per shard spread keys more evenly and make the ring bigger' },
    { knob: 'salt', trade: 'spreads a hot key over several shards; reads must ask all of them and merge' },
  ],
  use: [
    'data or write load larger than one node, partitioned by a key most requests carry',
    'consistent hashing for caches and stores that add and remove nodes often',
  ],
  avoid: [
    'data that fits one node with replicas for reads: sharding makes every cross-key query a scatter-gather',
    'a key that most requests share (a global counter): no sharding spreads it',
  ],
  mistakes: [
    'hash mod N in a system that grows: every resize reshuffles nearly everything',
    'too few virtual nodes: one shard owns a much larger arc of the ring',
    'range sharding on a monotonic key (time, sequence ids): all new writes hit the last range',
    'planning capacity from the mean shard instead of the hottest one',
  ],
  related: ['load-balancer', 'partitioned-stream'],
});
