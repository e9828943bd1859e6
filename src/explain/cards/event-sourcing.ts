import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A row holding the current state is read, changed and written back. Two requests that read it at once both write, and the second silently overwrites the first: a deposit vanishes, or two withdrawals both see enough money and both pay out. And once overwritten, how the state got there — and what it was last Tuesday — is gone.',
  how:
    'Store the changes, not the state: each aggregate (an account) is an append-only stream of events, and its state is their fold. A command loads the aggregate (the last snapshot and the events after it), decides, and appends its event naming the version it read. If another append got there first the stream is at a later version and the append is refused — a conflict, not an overwrite; the command reads again and decides again on the new state. Snapshots every N events keep loads short. Because nothing is overwritten, the state at any time is the fold of the events up to then, and projections (read models) can be thrown away and rebuilt from the log.',
  diagram: `
   command ─▶ load (snapshot + events after) ─▶ decide
                                        │ append(event, expected v)
      ┌──── conflict: stream is at v+1 ◀┤
      └─▶ read again, decide again       ▼ ok: version v+1
   stream: e1 e2 e3 [snap@3] e4 e5 ... ─▶ projection (rebuildable)
   state at t = fold(events appended ≤ t)`,
  knobs: [
    { knob: 'snapshotEvery', trade: 'smaller: loads and audits read fewer events (faster, a shorter window for conflicts), for more snapshots stored' },
    { knob: 'retries', trade: 'more: a hot account’s commands keep trying after conflicts, at the price of extra reads; fewer: conflicts reach the caller as 409s' },
    { knob: 'perEvent', trade: 'what replay costs per event: with long streams and no snapshots, loads get slow and the conflict window wide' },
    { knob: 'storage', trade: 'state: one row per account, last writer wins — no conflicts and no history, and lost updates' },
  ],
  use: [
    'domains where the history is the point: ledgers, orders, audits',
    'concurrent writers to the same aggregate, where an overwrite would be a bug',
    'several read models built from the same events, rebuilt when they change',
  ],
  avoid: ['simple CRUD with no need for history', 'aggregates with thousands of events and no snapshots', 'teams not ready for versioned event schemas'],
  mistakes: [
    'appending without an expected version: concurrency bugs come back',
    'retrying a conflicting append blindly instead of re-reading and deciding again',
    'events that record new state rather than what happened, which makes replay and upcasting painful',
    'no snapshots on long-lived aggregates, so every load replays years of events',
  ],
  related: ['cqrs', 'idempotency-key', 'saga-orchestration'],
});
