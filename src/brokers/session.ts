import type { Clock, Timer } from '../core/clock.js';
import type { Broker, Connection } from './broker.js';

export interface SessionEvents {
  /** Connected (again): subscribe here. */
  up(connection: Connection): void;
  /** Lost the connection or could not get one; the session tries again by itself. */
  down(reason: string): void;
}

/**
 * Keeps one client connected to a broker: connects, and after the connection is lost (or
 * refused) tries again every `reconnectMs`, as client libraries do. Stopping it closes the
 * connection — abruptly for a crash — and stops reconnecting until started again.
 */
export class BrokerSession {
  private current: Connection | undefined;
  private running = false;
  /** Bumped on every start and stop, so callbacks of an older life are ignored. */
  private epoch = 0;
  private retry: Timer | undefined;

  constructor(
    private readonly broker: Broker,
    private readonly clock: Pick<Clock, 'setTimer'>,
    private readonly client: string,
    private readonly reconnectMs: number,
    private readonly events: SessionEvents,
  ) {}

  get connection(): Connection | undefined {
    return this.current?.open ? this.current : undefined;
  }

  get active(): boolean {
    return this.running;
  }

  start(): void {
    if (this.running) return;
    this.running = true;
    this.epoch++;
    this.connect();
  }

  stop(how: 'graceful' | 'abrupt'): void {
    if (!this.running) return;
    this.running = false;
    this.epoch++;
    this.retry?.cancel();
    this.retry = undefined;
    const c = this.current;
    this.current = undefined;
    c?.close(how);
  }

  private connect(): void {
    const epoch = this.epoch;
    this.broker.connect(
      this.client,
      {
        closed: (reason) => {
          if (epoch !== this.epoch) return;
          this.current = undefined;
          this.events.down(reason);
          this.later();
        },
      },
      (error, connection) => {
        if (epoch !== this.epoch) {
          connection?.close('graceful');
          return;
        }
        if (error || !connection) {
          this.events.down(error?.detail ?? 'no connection');
          this.later();
          return;
        }
        this.current = connection;
        this.events.up(connection);
      },
    );
  }

  private later(): void {
    const epoch = this.epoch;
    this.retry = this.clock.setTimer(this.reconnectMs, () => {
      if (epoch === this.epoch && this.running) this.connect();
    });
  }
}
