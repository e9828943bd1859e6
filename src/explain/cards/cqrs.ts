import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'One model serves both commands and queries: every page view joins normalised tables on the database the writes need, so reads are slow and get slower under write load, and the model is shaped for neither.',
  how:
    'Split them. The write model takes commands, commits them and emits an event per change. A projector reads those events (from a stream, at its own pace) and applies them to a read model shaped for the queries. Reads are fast, and behind the writes by whatever the projector has not applied yet. Each record keeps the version of the last event applied, so events read again after a projector crash change nothing, and it catches up from its last committed offset. A user who just wrote can be made to see their write: the write returns its version, and the read waits for it or goes to the write side.',
  diagram: `
   command ─▶ write model ─commit─▶ event (key, version) ─▶ stream
                                                            │ projector
   query ◀── read model (key → version) ◀── apply, commit ──┘
            behind by the events not applied yet`,
  knobs: [
    { knob: 'throughput', trade: 'a slow projector keeps the read model further behind and takes longer to catch up after a crash' },
    { knob: 'lagging', trade: 'how far behind counts as LAGGING: the staleness your readers can live with' },
    { knob: 'readYourWrites.wait', trade: 'longer: more readers see their own write, at the price of slower reads while the projector is behind' },
  ],
  use: ['read-heavy systems whose queries need another shape than the writes', 'several read models (search, reports) fed by the same events'],
  avoid: ['simple CRUD where reading the write model is fast enough', 'screens that must always show the latest write to everyone'],
  mistakes: [
    'projections that are not idempotent (an event applied twice after a crash)',
    'ignoring read-your-writes: a user saves, reloads, and their change is gone',
    'no way to rebuild a read model from the events when its shape changes',
  ],
  related: ['database-per-service', 'partitioned-stream', 'transactional-outbox'],
});
