import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('..', import.meta.url));
export const bin = fileURLToPath(new URL('../bin/patterns.js', import.meta.url));

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the built CLI as a user would, through a pipe (so: no TTY). */
export function cli(args: string[], env: Record<string, string | undefined> = {}, cwd = root): Promise<CliResult> {
  return new Promise((resolve) => {
    const childEnv: NodeJS.ProcessEnv = { ...process.env, NO_COLOR: undefined, FORCE_COLOR: undefined, ...env };
    for (const k of Object.keys(childEnv)) if (childEnv[k] === undefined) delete childEnv[k];
    execFile(process.execPath, [bin, ...args], { cwd, env: childEnv, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) => {
      const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
      resolve({ code, stdout, stderr });
    });
  });
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\u001b\[/;

/** Snapshot-friendly: no colour codes, no timings, no version. */
export function normalize(text: string): string {
  return text
    .replace(/\u001b\[[0-9;?]*[A-Za-z]/g, '')
    .replace(/simulated in [\d.]+m?s/g, 'simulated in <wall>')
    .replace(/\b\d+\.\d+\.\d+\b/g, '<version>');
}
