import type { Output } from '../render/output.js';
import type { KeySource } from './run/keys.js';

/** What a command may touch of the outside world; tests pass buffers and a fake env. */
export interface CliIO {
  stdout: Output;
  stderr: Output;
  env: NodeJS.ProcessEnv;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  /** --color (true), --no-color (false), or neither. */
  colourFlag: boolean | undefined;
  /** How the user invoked us, for "reproduce with" lines. */
  invocation: string;
  /** Keys for watched runs and the menu; hotkeys are offered only when it is a terminal. */
  stdin?: KeySource & { readonly isTTY?: boolean };
  /** Where `.patterns/` (progress, snapshots, kept traces) lives; default: the process's cwd. */
  cwd?: string;
}
