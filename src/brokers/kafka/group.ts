/**
 * One member of a Kafka consumer group, as the Broker interface sees one: records of a
 * partition are handed out one at a time, and the next follows only when the handler is
 * done (a stream record's commit, a subscription delivery's ack). While it waits the member
 * keeps heartbeating; when a rebalance starts, every wait is released without committing,
 * so those records are read again from the committed offset (Kafka's eager rebalancing).
 */
import type { Consumer, Kafka, KafkaMessage } from 'kafkajs';

/** Kafka brokers refuse shorter sessions (group.min.session.timeout.ms, 6 s by default). */
export const MIN_SESSION_TIMEOUT_MS = 6000;

export interface GroupRecord {
  partition: number;
  offset: number;
  message: KafkaMessage;
  /** The rebalance generation it was read in: a commit from an older one is ignored. */
  epoch: number;
}

export interface GroupMemberOptions {
  kafka: Kafka;
  topic: string;
  groupId: string;
  sessionTimeoutMs: number;
  /** A group without committed offsets starts at the oldest record (streams) or the next one. */
  fromBeginning: boolean;
  /** Resolves when the record is done; the partition's next record waits for it. */
  handle(record: GroupRecord): Promise<void>;
  assignment?(assigned: readonly number[], revoked: readonly number[]): void;
  /** The consumer gave up for good (kafkajs retries and restarts by itself first). */
  crashed(reason: string): void;
}

export class GroupMember {
  private readonly consumer: Consumer;
  private epoch = 0;
  private owned = new Set<number>();
  private readonly waits = new Set<(error?: Error) => void>();
  private stopped = false;
  private joinedOnce: (() => void) | undefined;
  private joinFailed: ((error: Error) => void) | undefined;

  constructor(private readonly options: GroupMemberOptions) {
    const sessionTimeout = Math.max(MIN_SESSION_TIMEOUT_MS, options.sessionTimeoutMs);
    this.consumer = options.kafka.consumer({
      groupId: options.groupId,
      sessionTimeout,
      heartbeatInterval: Math.max(500, Math.floor(sessionTimeout / 3)),
      allowAutoTopicCreation: false,
      retry: { retries: 5, initialRetryTime: 200, restartOnFailure: async () => !this.stopped },
    });
    const { GROUP_JOIN, REBALANCING, CRASH } = this.consumer.events;
    this.consumer.on(REBALANCING, () => this.newEpoch([]));
    this.consumer.on(GROUP_JOIN, (e) => {
      const next = e.payload.memberAssignment[options.topic] ?? [];
      this.newEpoch(next);
      this.joinedOnce?.();
    });
    this.consumer.on(CRASH, (e) => {
      if (!e.payload.restart && !this.stopped) {
        this.stopped = true;
        this.release();
        this.joinFailed?.(e.payload.error);
        options.crashed(`the consumer of group "${options.groupId}" stopped: ${e.payload.error.message}`);
      }
    });
  }

  /**
   * Connects, joins and resolves once the group has given this member its first assignment;
   * rejects if the consumer gives up or the group has not formed within `joinTimeoutMs`
   * (sends of this process wait for it, so it must not hang).
   */
  async start(joinTimeoutMs = 60_000): Promise<void> {
    let timer: NodeJS.Timeout | undefined;
    const joined = new Promise<void>((resolve, reject) => {
      this.joinedOnce = resolve;
      this.joinFailed = reject;
      timer = setTimeout(() => reject(new Error(`group "${this.options.groupId}" did not form within ${joinTimeoutMs} ms`)), joinTimeoutMs);
      timer.unref(); // a process shutting down does not wait for it
    }).finally(() => clearTimeout(timer));
    joined.catch(() => {}); // awaited below; this only keeps an early failure from going unhandled
    try {
      await this.run();
    } catch (error) {
      this.joinFailed?.(error instanceof Error ? error : new Error(String(error)));
    }
    await joined;
  }

  private async run(): Promise<void> {
    await this.consumer.connect();
    await this.consumer.subscribe({ topic: this.options.topic, fromBeginning: this.options.fromBeginning });
    await this.consumer.run({
      autoCommit: false,
      partitionsConsumedConcurrently: 64,
      eachMessage: async ({ partition, message, heartbeat }) => {
        if (this.stopped) return;
        const record: GroupRecord = { partition, offset: Number(message.offset), message, epoch: this.epoch };
        await this.wait(this.options.handle(record), heartbeat);
      },
    });
  }

  /** Commits offset + 1 for the group, unless the record's partition was revoked since. */
  commit(record: GroupRecord): void {
    if (this.stopped || record.epoch !== this.epoch || !this.owned.has(record.partition)) return;
    this.consumer.commitOffsets([{ topic: this.options.topic, partition: record.partition, offset: String(record.offset + 1) }]).catch(() => {
      // a rebalance raced the commit: the record is read again, as at-least-once allows
    });
  }

  /**
   * Graceful: leaves the group at once. Abrupt: the caller has cut the client's sockets;
   * the member just stops, and the group notices after its session timeout.
   */
  async stop(how: 'graceful' | 'abrupt'): Promise<void> {
    if (this.stopped && how === 'graceful') return this.consumer.disconnect().catch(() => {});
    this.stopped = true;
    this.release();
    const leaving = this.consumer.disconnect().catch(() => {});
    if (how === 'graceful') await leaving;
  }

  private newEpoch(next: readonly number[]): void {
    this.epoch++;
    // Eager rebalancing: everything in flight is released uncommitted and read again.
    this.release(new RebalanceInProgress());
    const before = this.owned;
    this.owned = new Set(next);
    if (this.stopped) return;
    const revoked = [...before].filter((p) => !this.owned.has(p));
    const assigned = [...this.owned].filter((p) => !before.has(p));
    if (revoked.length > 0 || assigned.length > 0) this.options.assignment?.(assigned.sort((a, b) => a - b), revoked.sort((a, b) => a - b));
  }

  /** Waits for the handler, heartbeating meanwhile; a failed heartbeat (a rebalance) ends every wait. */
  private async wait(done: Promise<void>, heartbeat: () => Promise<void>): Promise<void> {
    let release: (error?: Error) => void = () => {};
    const released = new Promise<void>((resolve, reject) => {
      release = (error) => (error ? reject(error) : resolve());
    });
    this.waits.add(release);
    const beat = setInterval(() => {
      heartbeat().catch((error: unknown) => this.release(error instanceof Error ? error : new Error(String(error))));
    }, 1000);
    try {
      await Promise.race([done, released]);
    } finally {
      clearInterval(beat);
      this.waits.delete(release);
    }
  }

  /** With an error, kafkajs sees a rebalance and rejoins; without, the member is stopping. */
  private release(error?: Error): void {
    for (const r of [...this.waits]) r(this.stopped ? undefined : error);
    this.waits.clear();
  }
}

/** Shaped as kafkajs's own rebalance error, which makes its runner rejoin the group. */
class RebalanceInProgress extends Error {
  readonly type = 'REBALANCE_IN_PROGRESS';
  readonly retriable = true;
  constructor() {
    super('the group is rebalancing');
    this.name = 'KafkaJSProtocolError';
  }
}
