import type { Take, TokenBucket, TokenBucketSettings } from './contract.js';

/**
 * Your token bucket. The simulator calls this function once per run with the settings from
 * scenario.yaml, and then asks the object it returns about every call (see contract.ts).
 *
 * As it stands it compiles and runs, but it lets every call through: when the sale opens,
 * the shop drowns. Fill in the TODOs, then run `patterns check`.
 */
export default function createBucket(settings: TokenBucketSettings): TokenBucket {
  return new MyBucket(settings);
}

class MyBucket implements TokenBucket {
  // TODO: what must the bucket remember between calls? (the tokens it holds — it starts
  // full — and when it last counted them)

  constructor(private readonly settings: TokenBucketSettings) {}

  tryTake(now: number): Take {
    // TODO: first add the tokens that dripped in since you last counted (`rate` a second,
    // never more than `capacity`). Then a call that finds a whole token takes it and goes
    // through; one that does not is refused, with the time until the next whole token.
    return true;
  }
}
