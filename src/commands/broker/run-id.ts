/**
 * Run ids name a live run everywhere: in the prefix of everything it creates on a broker
 * (`patterns.<run id>.`, see `runPrefix`), in its manifest (`.patterns/runs/<run id>.json`),
 * and on the command line (`patterns component … --run <id>`, `patterns clean --run <id>`).
 * They are made of characters every broker accepts in names (Kafka is the strictest:
 * `[a-zA-Z0-9._-]`), without dots, since dots separate the prefix's parts.
 */
import { randomBytes } from 'node:crypto';
import { UsageError } from '../../core/errors.js';

const RUN_ID = /^[a-z0-9][a-z0-9-]{0,47}$/;

/** `20261122-035301-k3f9`: sorts by start time (UTC), readable, unique enough per second. */
export function newRunId(at: Date = new Date(), entropy: Uint8Array = randomBytes(4)): string {
  const stamp = at.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  const tail = [...entropy.slice(0, 4)].map((b) => (b % 36).toString(36)).join('');
  return `${stamp}-${tail}`;
}

export function isRunId(text: string): boolean {
  return RUN_ID.test(text);
}

/** A run id given on the command line; anything else could widen a prefix, so it is refused. */
export function parseRunId(text: string, flag = '--run'): string {
  if (isRunId(text)) return text;
  throw new UsageError(`${flag} ${JSON.stringify(text)}: a run id is lower-case letters, digits and dashes (at most 48), e.g. 20261122-035301-k3f9`);
}
