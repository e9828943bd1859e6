import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'The same expensive query runs for every request: the database does the same work again and again, and its latency and capacity become the application’s. A cache in front helps — until a hot key expires under load and every request that misses at once sends the same query (a stampede), or a write leaves old copies behind.',
  how:
    'The application asks the cache first. On a hit it is done; on a miss it loads from the database and puts the value in the cache with a TTL. A write goes to the database, then drops (or replaces) the cached copy. Against a stampede, misses of one key share one load: in-process coalescing (single flight), a lock that makes the others wait and look again, or an early probabilistic refresh (XFetch) by one reader shortly before the expiry.',
  diagram: `
   read ─▶ cache ─ hit ──────────────────────────────▶ answer
             │ miss (MISS/EXPIRED)
             ▼
          LOADING ─ db query ─▶ FRESH ─ ttl ─▶ EXPIRED
             ▲  other misses:        │ newer version committed
             │  none: load again      ▼
             │  coalesce: wait   STALE (until deleted or expired)
             │  lock: retry later
   write ─▶ db commit ─▶ delete the copy (INVALIDATED)`,
  knobs: [
    { knob: 'ttl', trade: 'longer: more hits and fewer loads, but a copy missed by invalidation stays stale longer' },
    { knob: 'stampede (none | coalesce | lock | early)', trade: 'coalescing is free but per process; a lock spans servers but waiters poll; early refresh hides the expiry, at the price of a few extra loads' },
    { knob: 'beta', trade: 'XFetch eagerness: higher refreshes earlier and more often, lower risks the expiry arriving first' },
  ],
  use: ['read-heavy data that tolerates being a little old', 'expensive queries or rendered fragments asked for again and again'],
  avoid: ['data that must never be stale (balances, stock at checkout) unless every write invalidates it', 'keys read once: the cache only adds a hop'],
  mistakes: [
    'no stampede guard on a hot key: every expiry sends a burst of identical queries',
    'setting the cache before the database commit, or deleting before it: a reader puts the old value back',
    'the same TTL on many keys filled together: they expire together',
    'caching failures or empty results without a short TTL of their own',
  ],
  related: ['read-through', 'refresh-ahead', 'cqrs'],
});
