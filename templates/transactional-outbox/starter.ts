import type { ProducerSettings, Relay, RowId } from './contract.js';

/**
 * Your outbox relay. The simulator calls this function once per run with the order service's
 * settings from scenario.yaml, and then calls the object it returns at every poll and after
 * every batch (see contract.ts).
 *
 * As it stands it compiles and runs, but it publishes nothing: every order is committed and
 * its event waits in the outbox forever, so shipping never hears of it. Fill in the TODOs,
 * then run `patterns check`.
 */
export default function createRelay(settings: ProducerSettings): Relay {
  return new MyRelay(settings);
}

class MyRelay implements Relay {
  constructor(private readonly settings: ProducerSettings) {}

  poll(unsent: readonly RowId[], now: number): readonly RowId[] {
    // TODO: which rows go out now? The oldest first, and no more than a batch
    // (`settings.outbox.batch`) at a time.
    return [];
  }

  published(confirmed: readonly RowId[], failed: readonly RowId[], now: number): readonly RowId[] {
    // TODO: which rows are sent, for good? A row marked sent leaves the outbox and is never
    // published again; a row left unsent goes out again at a later poll.
    return [];
  }
}
