/** A CliIO for tests of live runs: not a terminal, and what is written kept in one string. */
import type { CliIO } from '../commands/context.js';

export interface CapturedIO {
  io(signal?: AbortSignal): CliIO;
  /** stdout and stderr so far, interleaved as written. */
  text(): string;
  clear(): void;
}

export function capturedIO(cwd?: string): CapturedIO {
  let written = '';
  const sink = { write: (text: string) => ((written += text), true), isTTY: false, columns: 100, rows: 40 };
  return {
    io: (signal = new AbortController().signal) => ({
      stdout: sink as never,
      stderr: sink as never,
      env: {},
      signal,
      colourFlag: false,
      invocation: 'patterns',
      ...(cwd !== undefined ? { cwd } : {}),
    }),
    text: () => written,
    clear: () => {
      written = '';
    },
  };
}
