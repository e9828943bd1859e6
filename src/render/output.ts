/** Where rendered text goes. The CLI passes process.stdout; tests pass a buffer. */
export interface Output {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
  readonly rows: number;
  onResize?(listener: () => void): () => void;
}

/**
 * A process stream as an Output. When the reader goes away (`patterns run x --json | head`)
 * writes stop quietly and `onClosed` is told, so the run can stop instead of crashing.
 */
export function streamOutput(stream: NodeJS.WriteStream, onClosed: () => void = () => {}): Output {
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    if (!closed) {
      closed = true;
      onClosed();
    }
  });
  return {
    write: (text) => {
      if (!closed) stream.write(text);
    },
    get isTTY() {
      return stream.isTTY === true;
    },
    get columns() {
      return stream.columns || 100;
    },
    get rows() {
      return stream.rows || 40;
    },
    onResize(listener) {
      stream.on('resize', listener);
      return () => stream.off('resize', listener);
    },
  };
}

/** Collects output in memory (tests, snapshots). */
export class BufferOutput implements Output {
  text = '';
  readonly isTTY: boolean;
  readonly columns: number;
  readonly rows: number;

  constructor(opts: { isTTY?: boolean; columns?: number; rows?: number } = {}) {
    this.isTTY = opts.isTTY ?? false;
    this.columns = opts.columns ?? 100;
    this.rows = opts.rows ?? 40;
  }

  write(text: string): void {
    this.text += text;
  }
}
