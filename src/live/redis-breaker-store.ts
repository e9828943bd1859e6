/**
 * The shared breaker's store in Redis: one hash per key under the run prefix, and the two
 * operations as Lua scripts, so clients in any number of processes never race (no two
 * take the probe, no failure is counted twice or lost). Times are the run's (ms since its
 * t = 0, which every process of a run shares). When Redis cannot be reached the breaker
 * fails open: the call goes through, as a store must never be the thing that stops traffic.
 */
import { Redis } from 'ioredis';
import type { Admission, BreakerRule, BreakerStore } from '../patterns/breaker-store.js';
import type { BreakerState } from '../patterns/circuit-breaker.js';

const ADMIT = `
local s = redis.call('HGET', KEYS[1], 'state') or 'CLOSED'
if s == 'CLOSED' then return {'pass', s} end
local openUntil = tonumber(redis.call('HGET', KEYS[1], 'openUntil') or '0')
if s == 'OPEN' and tonumber(ARGV[1]) >= openUntil then
  redis.call('HSET', KEYS[1], 'state', 'HALF_OPEN')
  return {'probe', 'HALF_OPEN'}
end
return {'reject', s}`;

const RECORD = `
local s = redis.call('HGET', KEYS[1], 'state') or 'CLOSED'
local failed = ARGV[1] == '1'
local now, threshold, openFor = tonumber(ARGV[3]), tonumber(ARGV[4]), tonumber(ARGV[5])
if ARGV[2] == '1' then
  if failed then redis.call('HSET', KEYS[1], 'state', 'OPEN', 'openUntil', now + openFor, 'failures', 0)
  else redis.call('HSET', KEYS[1], 'state', 'CLOSED', 'failures', 0) end
elseif s == 'CLOSED' then
  if not failed then redis.call('HSET', KEYS[1], 'failures', 0)
  else
    local f = redis.call('HINCRBY', KEYS[1], 'failures', 1)
    if f >= threshold then redis.call('HSET', KEYS[1], 'state', 'OPEN', 'openUntil', now + openFor, 'failures', 0) end
  end
end
return redis.call('HGET', KEYS[1], 'state') or 'CLOSED'`;

type Scripted = Redis & {
  breakerAdmit(key: string, now: number): Promise<[Admission, BreakerState]>;
  breakerRecord(key: string, failed: number, probe: number, now: number, threshold: number, openFor: number): Promise<BreakerState>;
};

export class RedisBreakerStore implements BreakerStore {
  private readonly redis: Scripted;

  /** `prefix` is the run prefix and the store's name (`patterns.<run>.breakers.`): every key lives under it. */
  private constructor(
    redis: Redis,
    private readonly prefix: string,
  ) {
    redis.defineCommand('breakerAdmit', { numberOfKeys: 1, lua: ADMIT });
    redis.defineCommand('breakerRecord', { numberOfKeys: 1, lua: RECORD });
    this.redis = redis as Scripted;
  }

  static async open(url: string, prefix: string, connectTimeoutMs: number): Promise<RedisBreakerStore> {
    const redis = new Redis(url, { lazyConnect: true, connectTimeout: connectTimeoutMs, maxRetriesPerRequest: 1, enableOfflineQueue: false });
    redis.on('error', () => {});
    await redis.connect();
    return new RedisBreakerStore(redis, prefix);
  }

  admit(key: string, now: number, done: (admission: Admission, state: BreakerState) => void): void {
    this.redis.breakerAdmit(this.prefix + key, Math.round(now)).then(
      ([admission, state]) => done(admission, state),
      () => done('pass', 'CLOSED'),
    );
  }

  record(key: string, now: number, outcome: { failed: boolean; probe: boolean }, rule: BreakerRule, done: (state: BreakerState) => void): void {
    this.redis.breakerRecord(this.prefix + key, outcome.failed ? 1 : 0, outcome.probe ? 1 : 0, Math.round(now), rule.threshold, rule.openFor).then(done, () => done('CLOSED'));
  }

  /** Removes this store's keys (only under its prefix) and closes the connection. */
  async dispose(removeKeys: boolean): Promise<void> {
    if (removeKeys) {
      let cursor = '0';
      do {
        const [next, keys] = await this.redis.scan(cursor, 'MATCH', `${this.prefix}*`, 'COUNT', 500);
        cursor = next;
        if (keys.length) await this.redis.del(...keys);
      } while (cursor !== '0');
    }
    this.redis.disconnect();
  }
}
