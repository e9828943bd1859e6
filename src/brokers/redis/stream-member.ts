/**
 * A member of a stream's consumer group. Redis has no partition assignment, so the group
 * keeps it in Redis itself and every member computes the same answer:
 *
 * - members are a sorted set in join order; each keeps a heartbeat key alive for its
 *   session timeout, and whoever syncs next removes a member whose heartbeat expired;
 * - partition p belongs to the live member at index p mod n (as the memory broker does);
 * - each member syncs every poll (a Lua script: heartbeat, drop the dead, list the live)
 *   and, when its partitions change, drops what it had in flight and re-reads from the
 *   committed offsets;
 * - a commit is a Lua script that recomputes the owner from the same live set and writes
 *   the offset only if the committer still owns the partition, and only forwards: a member
 *   that has not noticed a rebalance yet cannot commit for the new owner.
 *
 * Partition p is the stream `<prefix><stream>|p`, appended with ids `0-*`, so offset o is
 * entry `0-(o+1)`. One record per partition is in flight at a time, read with XRANGE from
 * the committed offset.
 */
import type { Message, StreamListener, StreamRecord, Subscription } from '../broker.js';
import { Script } from './client.js';
import { decodeMessage, type RedisKeys } from './keys.js';
import type { ConsumerHost } from './stream-consumer.js';

/** KEYS: members, seq. ARGV: alive prefix, me, session timeout ms. Returns the live members in join order. */
const SYNC = new Script(`
if redis.call('ZSCORE', KEYS[1], ARGV[2]) == false then
  redis.call('ZADD', KEYS[1], redis.call('INCR', KEYS[2]), ARGV[2])
end
redis.call('SET', ARGV[1] .. ARGV[2], '1', 'PX', ARGV[3])
local live = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[1] .. m) == 1 then table.insert(live, m) else redis.call('ZREM', KEYS[1], m) end
end
return live
`);

/** KEYS: members, offsets. ARGV: alive prefix, me, partition, next offset. 1 when written. */
const COMMIT = new Script(`
local live = {}
for _, m in ipairs(redis.call('ZRANGE', KEYS[1], 0, -1)) do
  if redis.call('EXISTS', ARGV[1] .. m) == 1 then table.insert(live, m) end
end
if #live == 0 or live[(tonumber(ARGV[3]) % #live) + 1] ~= ARGV[2] then return 0 end
local current = tonumber(redis.call('HGET', KEYS[2], ARGV[3]) or '0')
if tonumber(ARGV[4]) > current then redis.call('HSET', KEYS[2], ARGV[3], ARGV[4]) end
return 1
`);

/** KEYS: members. ARGV: alive prefix, me. */
const LEAVE = new Script(`
redis.call('ZREM', KEYS[1], ARGV[2])
return redis.call('DEL', ARGV[1] .. ARGV[2])
`);

class RedisRecord implements StreamRecord {
  constructor(
    private readonly member: StreamMember,
    readonly message: Message,
    readonly stream: string,
    readonly partition: number,
    readonly offset: number,
    readonly generation: number,
  ) {}

  commit(): void {
    this.member.commit(this);
  }
}

export interface MemberOptions {
  stream: string;
  group: string;
  partitions: number;
  sessionTimeoutMs: number;
}

export class StreamMember implements Subscription {
  private readonly keys: ReturnType<RedisKeys['group']>;
  private readonly me: string;
  private active = true;
  private owned: number[] = [];
  private generation = 0;
  private readonly committed: number[];
  private readonly inFlight: (RedisRecord | undefined)[];
  private wakeUp: (() => void) | undefined;
  private timer: NodeJS.Timeout | undefined;
  private readonly pollMs: number;

  constructor(
    private readonly host: ConsumerHost,
    private readonly options: MemberOptions,
    private readonly listener: StreamListener,
    member: number,
  ) {
    this.keys = host.keys.group(options.stream, options.group);
    this.me = `${host.consumer}#${member}`;
    this.committed = Array.from({ length: options.partitions }, () => 0);
    this.inFlight = Array.from({ length: options.partitions }, () => undefined);
    this.pollMs = Math.max(10, Math.min(100, Math.floor(options.sessionTimeoutMs / 3)));
  }

  start(): void {
    void this.run();
  }

  /** Leaves the group at once (cancel, or a graceful close). */
  cancel(): void {
    if (!this.active) return;
    this.stop();
    if (this.host.open) void this.leave().catch(() => {});
  }

  leave(): Promise<unknown> {
    this.stop();
    return LEAVE.run(this.host.cmd, [this.keys.members], [this.keys.alivePrefix, this.me]);
  }

  /** The connection is gone: the others notice when the heartbeat expires. */
  stop(): void {
    this.active = false;
    clearTimeout(this.timer);
    this.wake();
  }

  commit(record: RedisRecord): void {
    const p = record.partition;
    if (record.generation !== this.generation || this.inFlight[p] !== record || !this.host.open || !this.active) return;
    this.inFlight[p] = undefined;
    this.committed[p] = record.offset + 1;
    const k = this.keys;
    // Refused by the script if the partition moved meanwhile: the new owner reads the record again.
    COMMIT.run(this.host.cmd, [k.members, k.offsets], [k.alivePrefix, this.me, p, record.offset + 1]).catch(() => {});
    this.wake();
  }

  private wake(): void {
    const w = this.wakeUp;
    this.wakeUp = undefined;
    w?.();
  }

  private async run(): Promise<void> {
    try {
      while (this.active && this.host.open) {
        await this.sync();
        const delivered = this.active ? await this.read() : 0;
        if (delivered === 0 && this.active) {
          await new Promise<void>((resolve) => {
            this.wakeUp = resolve;
            this.timer = setTimeout(resolve, this.pollMs);
          });
          this.wakeUp = undefined;
        }
      }
    } catch (error) {
      if (this.active && this.host.open) this.host.lost(`reading stream "${this.options.stream}" failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  }

  private async sync(): Promise<void> {
    const k = this.keys;
    const live = (await SYNC.run(this.host.cmd, [k.members, k.seq], [k.alivePrefix, this.me, this.options.sessionTimeoutMs])) as string[];
    const owned: number[] = [];
    for (let p = 0; p < this.options.partitions; p++) if (live[p % live.length] === this.me) owned.push(p);
    if (owned.join() === this.owned.join()) return;
    // A new assignment invalidates everything in flight, and reads again from the committed offsets.
    this.generation++;
    const revoked = this.owned.filter((p) => !owned.includes(p));
    const assigned = owned.filter((p) => !this.owned.includes(p));
    this.owned = owned;
    this.inFlight.fill(undefined);
    if (owned.length > 0) {
      const offsets = (await this.host.cmd.hmget(k.offsets, ...owned.map(String))) as (string | null)[];
      owned.forEach((p, i) => (this.committed[p] = Number(offsets[i] ?? 0)));
    }
    if (!this.active) return;
    if (revoked.length > 0) this.listener.revoked(revoked);
    if (assigned.length > 0) this.listener.assigned(assigned);
  }

  /** Hands out the next record of each owned partition with nothing in flight; returns how many. */
  private async read(): Promise<number> {
    const idle = this.owned.filter((p) => this.inFlight[p] === undefined);
    if (idle.length === 0) return 0;
    const generation = this.generation;
    const replies = await Promise.all(
      idle.map((p) => this.host.cmd.call('XRANGE', this.host.keys.partition(this.options.stream, p), `0-${this.committed[p]! + 1}`, '+', 'COUNT', 1) as Promise<[string, string[]][]>),
    );
    let delivered = 0;
    idle.forEach((p, i) => {
      const entry = replies[i]![0];
      if (!entry || generation !== this.generation || !this.active || this.inFlight[p] !== undefined) return;
      const [id, fields] = entry;
      const at = fields.indexOf('m');
      const raw = at < 0 ? undefined : fields[at + 1];
      if (raw === undefined) return;
      const record = new RedisRecord(this, decodeMessage(raw), this.options.stream, p, Number(id.split('-')[1]) - 1, generation);
      this.inFlight[p] = record;
      delivered++;
      this.listener.record(record);
    });
    return delivered;
  }
}
