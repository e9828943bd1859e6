/**
 * Consumers and subscriptions a process is still setting up on a real broker. A send waits
 * for them, so a consumer registered before the send in the same process is there to get it
 * (subscribe-then-publish loses nothing). Used by the RabbitMQ and Kafka adapters.
 */
export class PendingSetups {
  private readonly pending = new Set<Promise<unknown>>();

  get size(): number {
    return this.pending.size;
  }

  track(setup: Promise<unknown>): void {
    const settled: Promise<unknown> = setup.then(
      (): unknown => this.pending.delete(settled),
      (): unknown => this.pending.delete(settled),
    );
    this.pending.add(settled);
  }

  /** Resolves once every setup tracked so far, and any tracked meanwhile, has settled. */
  async done(): Promise<void> {
    while (this.pending.size > 0) await Promise.all(this.pending);
  }
}
