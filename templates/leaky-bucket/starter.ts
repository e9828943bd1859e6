import type { LeakyBucket, LeakyBucketSettings, Take } from './contract.js';

/**
 * Your leaky bucket. The simulator calls this function once per run with the settings from
 * scenario.yaml, and then asks the object it returns about every call (see contract.ts).
 *
 * As it stands it compiles and runs, but it lets every call out at once: inventory, which
 * takes one call at a time, refuses the ones that bunch up. Fill in the TODOs, then run
 * `patterns check`.
 */
export default function createBucket(settings: LeakyBucketSettings): LeakyBucket {
  return new MyBucket(settings);
}

class MyBucket implements LeakyBucket {
  // TODO: what must the bucket remember between calls? (when the next call may leave, and
  // when each call still waiting leaves)

  constructor(private readonly settings: LeakyBucketSettings) {}

  tryTake(now: number): Take {
    // TODO: calls leave one every 1000 / rate milliseconds, in order of arrival. A call that
    // arrives when its turn has come leaves at once; one that arrives early waits for its
    // turn. When `queue` calls are already waiting, drop it instead, and say when the first
    // of them leaves (there is room then).
    return { wait: 0 };
  }
}
