import type { Commit, ConsumerSettings, Inbox, Receipt } from './contract.js';

/**
 * Your inbox. The simulator calls this function once per run with the charger's settings
 * from scenario.yaml, and then asks the object it returns about every delivered payment (see
 * contract.ts).
 *
 * As it stands it compiles and runs, but it remembers nothing: every copy of a payment is
 * charged, so a duplicate or a redelivery after a crash charges the card again. Fill in the
 * TODOs, then run `patterns check`.
 */
export default function createInbox(settings: ConsumerSettings): Inbox {
  return new MyInbox(settings);
}

class MyInbox implements Inbox {
  // TODO: what must the inbox remember? (it is a table in the charger's database: it
  // survives a crash)

  constructor(private readonly settings: ConsumerSettings) {}

  receive(id: string, now: number): Receipt {
    // TODO: a payment whose card is charged already need not be worked on again: 'skip' it.
    // Careful: "delivered" is not "charged". A payment can be delivered and then lost with
    // the instance that held it.
    return 'process';
  }

  commit(id: string, now: number): Commit {
    // TODO: this is the last word, inside the transaction that charges the card. Two copies
    // of one payment can be worked on at the same time, and both pass receive(): only one
    // may commit. Remember the id here, with the charge.
    return 'commit';
  }
}
