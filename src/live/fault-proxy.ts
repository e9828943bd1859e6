/**
 * A small TCP proxy in front of a broker, where a live run injects network faults between a
 * component and the broker with real sockets: `down` (new connections refused, open ones
 * closed), `latency` (every chunk held back before it is passed on, each way), `reset`
 * (open connections destroyed, as a dropped connection or a broker restart would). Every
 * connection is tracked and closed on stop.
 *
 * Outside the simulator: it uses real timers and sockets by nature.
 */
import { EventEmitter } from 'node:events';
import { createServer, connect, type AddressInfo, type Server, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface ProxyTarget {
  host: string;
  port: number;
}

export interface FaultProxyOptions {
  target: ProxyTarget;
  /** Where to listen (default 127.0.0.1, a free port). */
  host?: string;
  port?: number;
}

export interface FaultProxyEvents {
  /** A client connected and the proxy opened its way to the target. */
  connection: [];
  /** A chunk was held back by `latency` (bytes, direction). */
  held: [bytes: number, direction: 'up' | 'down'];
}

interface Pending {
  chunk: Buffer;
  due: number;
}

/** One direction of one connection: chunks in order, each passed on at its due time. */
class DelayedPipe {
  private readonly queue: Pending[] = [];
  private timer: NodeJS.Timeout | undefined;
  private ended = false;

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly latency: () => number,
    private readonly onHeld: (bytes: number) => void,
  ) {
    from.on('data', (chunk: Buffer) => this.push(chunk));
    from.on('end', () => {
      this.ended = true;
      this.pump();
    });
  }

  private push(chunk: Buffer): void {
    const delay = this.latency();
    if (delay <= 0 && this.queue.length === 0) {
      this.write(chunk);
      return;
    }
    // Never earlier than the chunk before: bytes stay in order when the latency changes.
    const last = this.queue[this.queue.length - 1];
    this.queue.push({ chunk, due: Math.max(performance.now() + delay, last?.due ?? 0) });
    this.onHeld(chunk.length);
    this.schedule();
  }

  private write(chunk: Buffer): void {
    if (this.to.destroyed) return;
    if (!this.to.write(chunk)) {
      this.from.pause();
      this.to.once('drain', () => this.from.resume());
    }
  }

  private schedule(): void {
    if (this.timer || this.queue.length === 0) return;
    const wait = Math.max(0, this.queue[0]!.due - performance.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.pump();
    }, wait);
  }

  private pump(): void {
    const now = performance.now();
    while (this.queue.length > 0 && this.queue[0]!.due <= now) this.write(this.queue.shift()!.chunk);
    if (this.queue.length > 0) this.schedule();
    else if (this.ended && !this.to.destroyed) this.to.end();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.queue.length = 0;
  }
}

export class FaultProxy extends EventEmitter<FaultProxyEvents> {
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();
  private readonly clients = new Set<Socket>();
  private readonly pipes = new Set<DelayedPipe>();
  private latencyMs = 0;
  private isDown = false;
  private listening: Promise<void> | undefined;
  private stopped = false;
  private boundPort: number;

  private constructor(private readonly options: FaultProxyOptions) {
    super();
    this.boundPort = options.port ?? 0;
    this.server = createServer((client) => this.accept(client));
  }

  /** Starts listening; resolves once the port is known. */
  static async start(options: FaultProxyOptions): Promise<FaultProxy> {
    const proxy = new FaultProxy(options);
    await proxy.listen();
    return proxy;
  }

  get host(): string {
    return this.options.host ?? '127.0.0.1';
  }

  get port(): number {
    return this.boundPort;
  }

  /** Open client connections (each has one connection to the target beside it). */
  get connections(): number {
    return this.clients.size;
  }

  get down(): boolean {
    return this.isDown;
  }

  get latency(): number {
    return this.latencyMs;
  }

  /** Every chunk, each way, is passed on this many ms after it arrived (0: at once). */
  setLatency(ms: number): void {
    if (!(ms >= 0)) throw new RangeError(`latency must be a non-negative number of ms, got ${ms}`);
    this.latencyMs = ms;
  }

  /**
   * Down: stops listening, so new connections are refused (ECONNREFUSED, as from a broker
   * that is gone), and closes the open ones. Up: listens again on the same port.
   */
  async setDown(down: boolean): Promise<void> {
    if (this.stopped || down === this.isDown) return;
    this.isDown = down;
    if (down) {
      this.destroyAll();
      await new Promise<void>((resolve) => this.server.close(() => resolve()));
    } else {
      await this.listen();
    }
  }

  /** Destroys every open connection at once (the clients see a reset); new ones are accepted. */
  reset(): void {
    this.destroyAll();
  }

  /** Closes every connection and stops listening. */
  async stop(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.destroyAll();
    if (this.server.listening) await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private listen(): Promise<void> {
    this.listening = new Promise<void>((resolve, reject) => {
      const onError = (error: Error) => reject(error);
      this.server.once('error', onError);
      this.server.listen(this.boundPort, this.host, () => {
        this.server.off('error', onError);
        this.boundPort = (this.server.address() as AddressInfo).port;
        resolve();
      });
    });
    return this.listening;
  }

  private accept(client: Socket): void {
    if (this.isDown || this.stopped) {
      client.destroy();
      return;
    }
    const upstream = connect({ host: this.options.target.host, port: this.options.target.port });
    this.clients.add(client);
    client.once('close', () => this.clients.delete(client));
    client.setNoDelay(true);
    upstream.setNoDelay(true);
    this.track(client);
    this.track(upstream);
    const up = new DelayedPipe(client, upstream, () => this.latencyMs, (n) => this.emit('held', n, 'up'));
    const down = new DelayedPipe(upstream, client, () => this.latencyMs, (n) => this.emit('held', n, 'down'));
    this.pipes.add(up);
    this.pipes.add(down);
    const close = () => {
      up.stop();
      down.stop();
      this.pipes.delete(up);
      this.pipes.delete(down);
      client.destroy();
      upstream.destroy();
    };
    // Either side going away takes the other with it, as a real connection would.
    client.once('close', close);
    upstream.once('close', close);
    client.on('error', close);
    upstream.on('error', close);
    upstream.once('connect', () => this.emit('connection'));
  }

  private track(socket: Socket): void {
    this.sockets.add(socket);
    socket.once('close', () => this.sockets.delete(socket));
  }

  private destroyAll(): void {
    for (const pipe of this.pipes) pipe.stop();
    this.pipes.clear();
    // resetAndDestroy sends an RST where it can: the client sees ECONNRESET, not a clean end.
    for (const s of this.sockets) (s.resetAndDestroy ? s.resetAndDestroy() : s.destroy());
    this.sockets.clear();
    this.clients.clear();
  }
}
