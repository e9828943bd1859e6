import type { CacheSettings, OnMiss, Reads } from './contract.js';

/**
 * Your cache's reads. The simulator calls this function once per run with the cache's
 * settings from scenario.yaml, and then asks the object it returns what each reader that
 * misses a key should do (see contract.ts).
 *
 * As it stands it compiles and runs, but every reader that misses loads the key itself: when
 * the home page expires under 1,000 reads a second, every read that arrives during the
 * ~80 ms reload misses too, and sends the same query. Fill in the TODOs, then run
 * `patterns check`.
 */
export default function createReads(settings: CacheSettings): Reads {
  return new MyReads(settings);
}

class MyReads implements Reads {
  // TODO: what must you remember, per key, to know whether someone is loading it already?

  constructor(private readonly settings: CacheSettings) {}

  miss(key: string, now: number): OnMiss {
    // TODO: only one reader needs to query the database for a key; the others can 'wait'
    // for its load. But 'wait' only while a load of the key is really running.
    return 'load';
  }

  loaded(key: string, now: number, ok: boolean): void {
    // TODO: the load is over (whether it brought the value or failed): the next miss of
    // this key needs a new one.
  }
}
