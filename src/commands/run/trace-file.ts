import { randomUUID } from 'node:crypto';
import { closeSync, copyFileSync, mkdirSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { UsageError } from '../../core/errors.js';
import type { TraceListener } from '../../core/trace.js';
import { NdjsonWriter } from '../../render/ndjson.js';

/** Streams a run's NDJSON trace to a file, whatever the screen shows (`--trace`, kept runs). */
export class TraceFile {
  private readonly fd: number;
  private readonly writer: NdjsonWriter;
  private closed = false;

  constructor(readonly file: string) {
    try {
      this.fd = openSync(file, 'w');
    } catch (error) {
      throw new UsageError(`cannot write the trace to ${file}: ${(error as Error).message}`);
    }
    this.writer = new NdjsonWriter((text) => writeSync(this.fd, text));
  }

  /** A trace file in the system's temporary folder, to keep or discard once the run is over. */
  static temporary(): TraceFile {
    return new TraceFile(path.join(tmpdir(), `patterns-${randomUUID()}.ndjson`));
  }

  get listener(): TraceListener {
    return this.writer.listener;
  }

  flush(): void {
    if (!this.closed) this.writer.flush();
  }

  close(): void {
    if (this.closed) return;
    this.writer.flush();
    this.closed = true;
    closeSync(this.fd);
  }

  /** Copies the closed file to `dest` (creating folders) and removes this one. */
  keepAs(dest: string): string {
    this.close();
    mkdirSync(path.dirname(dest), { recursive: true });
    copyFileSync(this.file, dest);
    this.discard();
    return dest;
  }

  discard(): void {
    this.close();
    rmSync(this.file, { force: true });
  }
}
