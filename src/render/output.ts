/** Where rendered text goes. The CLI passes process.stdout; tests pass a buffer. */
export interface Output {
  write(text: string): void;
  readonly isTTY: boolean;
  readonly columns: number;
  readonly rows: number;
  onResize?(listener: () => void): () => void;
}

export function streamOutput(stream: NodeJS.WriteStream): Output {
  // `patterns run x --json | head`: once the reader has gone, writing is pointless, not an error.
  let closed = false;
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    closed = true;
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
