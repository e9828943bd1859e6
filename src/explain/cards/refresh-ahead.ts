import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A hot key read thousands of times a second still expires every TTL: the reads that arrive while it is reloaded wait for the database (or stampede it), so the latency spikes every TTL.',
  how:
    'A read that finds a value older than a share of its TTL (say 80%) answers with it at once and starts a reload in the background. Keys that are read keep being refreshed before they expire; keys nobody reads expire as usual. XFetch is the probabilistic variant: each read refreshes with a probability that grows as the expiry nears and as the load gets costlier, so one reader does it, shortly before it matters.',
  diagram: `
   FRESH ──(age < 80% ttl)── read ─▶ answer
     │ read after 80% ttl
     ▼
   answer with the value, and reload in the background ─▶ FRESH again
   not read before the ttl ─▶ EXPIRED (the next read waits for a load)`,
  knobs: [
    { knob: 'refreshAt', trade: 'earlier: hot keys refresh more often (more loads, fresher values); later: the expiry may win the race' },
    { knob: 'ttl', trade: 'the bound on staleness for keys refreshed ahead as for any other' },
  ],
  use: ['a few hot keys with an expensive load', 'latency-sensitive reads that must never wait for a reload'],
  avoid: ['long-tail keys read once per TTL or less: refreshing them is wasted load'],
  mistakes: ['refreshing every key on a timer instead of the ones being read', 'several readers starting the same refresh: mark the entry as refreshing'],
  related: ['cache-aside', 'read-through'],
});
