import type { Storage, Verdict } from './contract.js';

/**
 * The reference solution: the built-in fencing (src/patterns/fenced-store.ts), through the
 * learner's interface. The author gate checks that it passes the scenario and matches the
 * built-in step for step.
 */
export default function createStorage(): Storage {
  return new FencedStorage();
}

class FencedStorage implements Storage {
  /** The highest term any accepted write carried: everything older comes from a replaced leader. */
  private highest = 0;

  write(_writer: string, term: number): Verdict {
    // Older is refused; the same term is the current leader writing again.
    if (term < this.highest) return 'reject';
    this.highest = term;
    return 'accept';
  }
}
