import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'With cache-aside a write only deletes the cached copy: the next read pays a miss, and a read racing the write can put the old value back. The cache is never sure to hold what was just written.',
  how:
    'The write goes through the cache: it is committed to the database, then the new value is set in the cache, and only then acknowledged. The cache holds every acknowledged write, so a read on the same cache after a write is a hit with the new value. The price is the write latency: every write waits for the database. Other caches (other app servers) still need invalidation.',
  diagram: `
   write ─▶ db commit (version n) ─▶ cache set (FRESH, n) ─▶ ack
   read  ─▶ cache ─ hit: version n, never older than an acked write
   crash ─▶ cache empty; the database has every acked write`,
  knobs: [
    { knob: 'strategy', trade: 'write-through: no write lost, every write as slow as the database; write-behind: fast writes, lost on a crash' },
    { knob: 'ttl', trade: 'values written through are fresh until the next write; the TTL still bounds copies other servers hold' },
  ],
  use: ['data read soon after it is written', 'writes that must never be lost, where the database latency is acceptable'],
  avoid: ['write-heavy data rarely read: every write also fills the cache for nothing'],
  mistakes: ['setting the cache before the database commit: a failed commit leaves a value that never existed', 'forgetting the other servers’ copies'],
  related: ['write-behind', 'cache-aside'],
});
