import type { Clock } from '../core/clock.js';

export type LeaseAnswer =
  | { readonly ok: true; readonly token: number; readonly expiresAt: number }
  | { readonly ok: false; readonly holder: string | undefined; readonly expiresAt: number };

/**
 * A lease kept by a coordination service (etcd, ZooKeeper, a Redis key with a TTL): at most
 * one holder at a time, for `ttl` after its last grant or renewal, by the service's own clock.
 * Each grant to a new holder takes the next token (the term, the epoch): tokens only grow,
 * which is what lets a store fence off the holders of older ones.
 */
export class LeaseStore {
  private holder: string | undefined;
  private expiresAt = -Infinity;
  private term = 0;

  constructor(
    private readonly ttl: number,
    private readonly clock: Pick<Clock, 'now'>,
  ) {}

  /** The holder now, if its lease has not run out. */
  current(): { holder: string; token: number; expiresAt: number } | undefined {
    return this.holder !== undefined && this.clock.now() < this.expiresAt ? { holder: this.holder, token: this.term, expiresAt: this.expiresAt } : undefined;
  }

  get lastToken(): number {
    return this.term;
  }

  /** Takes the lease if nobody holds it (or the holder's ran out): a new term. */
  acquire(who: string): LeaseAnswer {
    const held = this.current();
    if (held) return held.holder === who ? { ok: true, token: held.token, expiresAt: held.expiresAt } : { ok: false, holder: held.holder, expiresAt: held.expiresAt };
    this.term++;
    this.holder = who;
    this.expiresAt = this.clock.now() + this.ttl;
    return { ok: true, token: this.term, expiresAt: this.expiresAt };
  }

  /** Extends the lease for its holder, only within the same term and before it ran out. */
  renew(who: string, token: number): LeaseAnswer {
    const held = this.current();
    if (!held || held.holder !== who || held.token !== token) return { ok: false, holder: held?.holder, expiresAt: held?.expiresAt ?? -Infinity };
    this.expiresAt = this.clock.now() + this.ttl;
    return { ok: true, token, expiresAt: this.expiresAt };
  }

  /** Gives the lease up early; a release for a term that is over changes nothing. */
  release(who: string, token: number): void {
    const held = this.current();
    if (held && held.holder === who && held.token === token) {
      this.holder = undefined;
      this.expiresAt = -Infinity;
    }
  }
}
