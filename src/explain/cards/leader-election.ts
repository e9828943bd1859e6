import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Some work must be done by one process at a time: one scheduler, one writer of a log, one owner of a partition. If the one doing it dies, another must take over; but a process cannot tell a dead leader from a slow or cut-off one, and a leader cannot tell that it was replaced while it was paused.',
  how:
    'Candidates watch a lease in a coordination service (etcd, ZooKeeper, Consul). When it is free, one takes it: a new term, with a number larger than every earlier one. The leader renews the lease before it runs out and steps down when it cannot. A lease alone is not enough: a leader paused by GC, or cut off with writes in flight, wakes up still believing it leads. So every write carries the term as a fencing token, and the storage refuses a token older than one it has already seen.',
  diagram: `
   FOLLOWER ── lease free ──▶ CANDIDATE ── took it: term n ──▶ LEADER
     ▲   ▲                       │                             │  │
     │   └─── another took it ───┘                   renew ────┘  │
     └──── lease ran out by its own clock, or renewal refused ────┘
   each write carries n; the storage refuses n < highest term seen`,
  knobs: [
    { knob: 'ttl', trade: 'short fails over fast and turns short pauses into a change of leader; long keeps a dead leader in charge for longer' },
    { knob: 'renewEvery', trade: 'frequent renewals survive a lost message or two and cost the coordination service traffic' },
    { knob: 'fencing', trade: 'the storage must understand tokens, and it is the only thing that stops an old leader: a lease cannot' },
  ],
  use: [
    'a single scheduler, a singleton job, a primary that takes all writes',
    'assigning ownership (partitions, shards) to one process at a time',
  ],
  avoid: [
    'work that can be made idempotent and done by everyone: no leader, no failover',
    'a storage that cannot check tokens, if correctness depends on one writer: fence it, or use its own conditional writes',
  ],
  mistakes: [
    'checking "am I still the leader?" before writing and trusting the answer: a pause can fall between the check and the write',
    'deriving the lease deadline from when the grant arrived instead of when the request was sent',
    'tokens that are not monotonic (timestamps from different clocks, random ids)',
    'fencing writes but not reads that feed them',
  ],
  related: ['distributed-lock', 'service-discovery'],
});
