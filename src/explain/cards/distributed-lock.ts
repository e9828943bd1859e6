import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Several workers update the same record: read it, work on it, write it back. Two at once lose an update. A lock held by a process that died must not block everyone for ever, so distributed locks are leases with a TTL — and a TTL cannot tell a dead holder from a paused one, which wakes up and writes as if it still held the lock.',
  how:
    'The lock service grants the lock as a lease that frees itself after the TTL, and with each grant a token that only grows. The holder sends its token with every read and write; the storage remembers the highest token it has seen and refuses older ones. A holder paused past its TTL finds its write refused instead of silently overwriting the next holder’s work.',
  diagram: `
   IDLE ── wants it ──▶ WAITING ── granted: token t ──▶ HOLDING
     ▲                  │    ▲                            │
     │                  └────┘ refused: ask again         │ read(t),
     └─────────── released ◀── write(t) ◀─── work ◀───────┘
   lease runs out under a holder still working: STALE_HOLDER
   storage: refuse t < highest token seen (reads and writes)`,
  knobs: [
    { knob: 'ttl', trade: 'short frees the lock soon after a crash, and hands it over under a holder that is merely slow or paused; long blocks everyone behind a dead holder' },
    { knob: 'fencing', trade: 'the storage must check tokens; without it nothing stops a holder that lost the lock without knowing' },
    { knob: 'hold', trade: 'a longer critical section makes a pause inside it likelier, and must stay well under the TTL' },
  ],
  use: [
    'a scarce resource or a record updated by read-modify-write from several processes',
    'exclusive jobs (one compaction, one migration) when the job can be fenced',
  ],
  avoid: [
    'correctness that rests on the lock alone (Redlock without tokens): efficiency, maybe; safety, no',
    'updates the storage can do itself atomically (compare-and-set, conditional writes, transactions)',
  ],
  mistakes: [
    'a TTL shorter than the longest critical section, GC pauses included',
    'checking the lock is still held just before writing, as if a pause could not fall after the check',
    'fencing the writes but not the reads they are based on',
    'releasing a lock without checking it is still yours (deleting the next holder’s key)',
  ],
  related: ['leader-election', 'idempotency-key'],
});
