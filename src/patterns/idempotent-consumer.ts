/**
 * The inbox of an idempotent consumer: the ids of the messages whose effect is done, kept
 * in the consumer's own database and written in the same local transaction as the effect.
 * A message whose id is already there is acknowledged without doing anything, so
 * redeliveries and duplicates turn into one effect. (If the effect is a call to another
 * system, the same idea needs an idempotency key there: an inbox cannot share a
 * transaction with someone else's database.)
 */
export class Inbox {
  private readonly done = new Set<string>();

  has(id: string): boolean {
    return this.done.has(id);
  }

  /** Inside the transaction that performs the effect. */
  record(id: string): void {
    this.done.add(id);
  }
}
