import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'One database node is one point of failure and one ceiling on reads. Copies on other nodes fix both — but a copy is behind the primary by the replication lag: a user saves their profile, reloads, and a replica shows the old one; two reloads on two replicas go back in time; and when the primary dies, whatever it had not shipped yet dies with it.',
  how:
    'Writes go to the primary, which commits them to its log and ships the log to the replicas, which apply it in order. The mode says when a write is acknowledged: async at once (fast; a failover loses the unreplicated tail), semi-sync once one replica has it (a timeout falls back to async when replicas are slow), sync once every replica has it (no acknowledged write is lost, every write waits for the slowest replica). Reads scale out on the replicas, stale by the lag. Session guarantees fix what users notice: read-your-writes — the write returns a position (a token), and a read goes only to a node that has reached it, else the primary; monotonic reads — a session sticks to one replica, so what it sees never goes back.',
  diagram: `
   write ─▶ primary ─log─▶ replica 1 (applied up to 1041)
              │      └───▶ replica 2 (applied up to 1017)
              └ ack: async now · semi-sync 1 replica · sync all
   read(token 1038) ─▶ replica 2 behind the token ─▶ primary
   primary dies ─▶ promote the furthest replica ─▶ tail lost`,
  knobs: [
    { knob: 'mode', trade: 'async: fastest writes, a failover loses what was not shipped; sync: nothing acknowledged is lost, each write waits for the slowest replica; semi-sync in between' },
    { knob: 'semiSyncTimeout', trade: 'shorter: writes never wait long, but slow replicas quietly turn semi-sync into async' },
    { knob: 'readYourWrites', trade: 'owners always see their own writes, at the price of more reads on the primary while replicas lag' },
    { knob: 'monotonic', trade: 'a session never goes back in time, but a hot or slow replica is not spread over the others' },
    { knob: 'failover', trade: 'shorter: less time refusing writes, more risk of promoting on a false alarm' },
  ],
  use: ['read-heavy data that tolerates a little staleness', 'surviving the loss of a node', 'keeping a copy near readers in another region'],
  avoid: ['reads that must see every write without session tokens (read from the primary)', 'async replication for money you cannot afford to lose on failover'],
  mistakes: [
    'reading your own write back from a replica, without a token or a primary read',
    'load-balancing one session over replicas with different lag (time goes backwards)',
    'believing semi-sync never loses data: after its timeout it is async',
    'failing over automatically under async without counting what the old primary had not shipped',
  ],
  related: ['cqrs', 'event-sourcing', 'database-per-service'],
});
