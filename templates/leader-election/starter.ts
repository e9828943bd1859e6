import type { ElectionSettings, Storage, Verdict } from './contract.js';

/**
 * Your storage's check on writes. The simulator calls this function once per run with the
 * election's settings from scenario.yaml, and then asks the object it returns about every
 * write that reaches the storage (see contract.ts).
 *
 * As it stands it compiles and runs, but it accepts everything: when the old leader wakes
 * from its pause, or its held writes arrive after the network heals, they are stored on top
 * of the new leader's — two writers in one term. Fill in the TODOs, then run
 * `patterns check`.
 */
export default function createStorage(settings: ElectionSettings): Storage {
  return new MyStorage(settings);
}

class MyStorage implements Storage {
  // TODO: what must the storage remember to recognise a write from a leader that has been
  // replaced?

  constructor(private readonly settings: ElectionSettings) {}

  write(writer: string, term: number, now: number): Verdict {
    // TODO: refuse a write whose term is older than one the storage has already seen. The
    // current leader writes many times in its term: those must still go through.
    return 'accept';
  }
}
