/**
 * Clean-up and `patterns doctor` for Redis. Clean-up never flushes a database: it finds
 * keys with SCAN MATCH `<prefix>*` (the prefix's glob characters escaped) and deletes only
 * those, so nothing outside `patterns.` — and, with a narrower prefix, nothing outside that
 * run — is ever touched.
 */
import type { Redis } from 'ioredis';
import { PREFIX_ROOT, type DoctorReport } from '../real.js';
import { describe } from './client.js';
import { GROUP, globLiteral } from './keys.js';

/** Deletes every key under `prefix` (or, with `names`, only those names' keys); returns `type key` for each. */
export async function removeUnder(client: Redis, prefix: string, names?: readonly string[]): Promise<string[]> {
  if (!prefix.startsWith(PREFIX_ROOT)) throw new Error(`refusing to remove keys under "${prefix}": only names under "${PREFIX_ROOT}" belong to patterns`);
  const patterns = names
    ? names.flatMap((n) => [globLiteral(prefix + n), `${globLiteral(prefix + n)}@*`, `${globLiteral(prefix + n)}|*`])
    : [`${globLiteral(prefix)}*`];
  const removed: string[] = [];
  for (const pattern of patterns) {
    let cursor = '0';
    do {
      const [next, keys] = await client.scan(cursor, 'MATCH', pattern, 'COUNT', 500);
      cursor = next;
      if (keys.length === 0) continue;
      const types = await Promise.all(keys.map((k) => client.type(k)));
      await client.unlink(...keys);
      keys.forEach((k, i) => removed.push(`${types[i]} ${k}`));
    } while (cursor !== '0');
  }
  if (names) {
    const fields = names.flatMap((n) => [`queue:${n}`, `topic:${n}`]);
    await client.hdel(`${prefix}~topology`, ...fields);
  }
  return removed;
}

/** The server's version, and whether a stream with a group can be created and removed under PREFIX_ROOT. */
export async function diagnose(client: Redis): Promise<DoctorReport> {
  const info = await client.info('server');
  const version = /redis_version:([^\r\n]+)/.exec(info)?.[1] ?? 'unknown';
  const notes: string[] = [];
  const [major = 0, minor = 0] = version.split('.').map(Number);
  if (major < 6 || (major === 6 && minor < 2)) notes.push(`Redis ${version} is older than 6.2: XPENDING … IDLE (redelivery after nack and ack timeouts) needs 6.2 or later`);
  if (major < 7) notes.push(`Redis ${version} is older than 7.0: partitioned streams (XADD with 0-* ids) need 7.0 or later`);
  const probe = `${PREFIX_ROOT}doctor.${process.pid}.${Date.now()}`;
  let canCreate = false;
  try {
    await client.call('XGROUP', 'CREATE', probe, GROUP, '0', 'MKSTREAM');
    await client.call('XADD', probe, '*', 'm', 'probe');
    canCreate = (await client.unlink(probe)) === 1;
  } catch (error) {
    notes.push(`could not create and remove a stream: ${describe(error)}`);
    await client.unlink(probe).catch(() => {});
  }
  return { version, canCreate, notes };
}
