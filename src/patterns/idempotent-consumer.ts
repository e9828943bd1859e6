/** What an idempotent consumer makes of a delivery when it arrives: work on it, or ack it as done already. */
export type Receipt = 'process' | 'skip';
/** The local transaction that performs a message's effect: it commits, or rolls back because the effect is done already. */
export type Commit = 'commit' | 'rollback';

/**
 * The two decisions of an idempotent consumer, by message id: on receipt (skip a message
 * whose effect is done, saving the work) and in the transaction that performs the effect
 * (the last word: a copy processed at the same time as another must not commit twice). The
 * consumer around it does the work, the effect and the ack.
 */
export interface InboxPolicy {
  receive(id: string): Receipt;
  commit(id: string): Commit;
}

/**
 * The inbox of an idempotent consumer: the ids of the messages whose effect is done, kept
 * in the consumer's own database and written in the same local transaction as the effect.
 * A message whose id is already there is acknowledged without doing anything, so
 * redeliveries and duplicates turn into one effect. (If the effect is a call to another
 * system, the same idea needs an idempotency key there: an inbox cannot share a
 * transaction with someone else's database.)
 */
export class Inbox implements InboxPolicy {
  private readonly done = new Set<string>();

  receive(id: string): Receipt {
    return this.done.has(id) ? 'skip' : 'process';
  }

  /** Inside the transaction that performs the effect: the id's unique key rolls a second one back. */
  commit(id: string): Commit {
    if (this.done.has(id)) return 'rollback';
    this.done.add(id);
    return 'commit';
  }
}
