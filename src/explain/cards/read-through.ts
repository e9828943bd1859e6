import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'With cache-aside every caller has to know how to load a missing value and fill the cache, and each does it its own way — some forget the TTL, some the stampede guard, some fill after a write with an old value.',
  how:
    'The cache is given a loader and the application only ever asks the cache. On a miss the cache calls the loader, stores the value with its TTL and answers; the loading policy (coalescing concurrent misses, a lock, refreshing early) lives in one place. The database sees the same traffic as with cache-aside; what changes is who owns the loading.',
  diagram: `
   app ─▶ cache ─ hit ─────────────────────────▶ value
            │ miss
            ▼
          loader (one per key at a time) ─▶ db ─▶ FRESH ─ttl─▶ EXPIRED`,
  knobs: [
    { knob: 'ttl', trade: 'longer: fewer loads, older values' },
    { knob: 'stampede', trade: 'coalesce is what most read-through libraries do for you; check that yours does' },
  ],
  use: ['many callers of the same data that should load it one way', 'cache libraries with a loader (Caffeine, a CDN in front of an origin)'],
  avoid: ['when the application needs to decide per call whether a miss is worth a load'],
  mistakes: ['a loader that throws turns every read into an error instead of a slower read', 'assuming the library coalesces misses when it does not'],
  related: ['cache-aside', 'refresh-ahead'],
});
