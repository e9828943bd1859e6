import type { TraceEvent } from '../core/trace.js';

/**
 * NDJSON: one trace event per line, numbers rounded to the microsecond so the output is
 * stable and readable. Lines are batched and written once per run slice.
 */
export class NdjsonWriter {
  private buffer: string[] = [];

  constructor(private readonly write: (text: string) => void) {}

  readonly listener = (event: TraceEvent): void => {
    this.buffer.push(JSON.stringify(event, roundNumbers));
    if (this.buffer.length >= 512) this.flush();
  };

  flush(): void {
    if (this.buffer.length === 0) return;
    this.write(this.buffer.join('\n') + '\n');
    this.buffer = [];
  }
}

function roundNumbers(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isInteger(value) && Number.isFinite(value) ? Math.round(value * 1000) / 1000 : value;
}
