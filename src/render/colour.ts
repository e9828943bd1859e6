import { Chalk, type ChalkInstance } from 'chalk';

export interface ColourEnv {
  env: NodeJS.ProcessEnv;
  isTTY: boolean;
  /** From the command line: --color (true) or --no-color (false). */
  flag?: boolean | undefined;
  colorDepth?: number | undefined;
}

/**
 * Colour level 0–3: --no-color/--color first, then FORCE_COLOR (which wins over NO_COLOR,
 * as in Node itself), then NO_COLOR, then whether the output is a capable terminal.
 */
export function colourLevel({ env, isTTY, flag, colorDepth }: ColourEnv): 0 | 1 | 2 | 3 {
  if (flag === false) return 0;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) {
    if (force === '0' || force === 'false') return 0;
    if (force === '' || force === 'true' || force === '1') return 1;
    const n = Number.parseInt(force, 10);
    if (n >= 1) return Math.min(n, 3) as 1 | 2 | 3;
  }
  if (flag === true) return Math.max(1, depthToLevel(colorDepth)) as 1 | 2 | 3;
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return 0;
  if (!isTTY || env['TERM'] === 'dumb') return 0;
  return depthToLevel(colorDepth);
}

function depthToLevel(depth: number | undefined): 0 | 1 | 2 | 3 {
  if (depth === undefined) return 1;
  if (depth >= 24) return 3;
  if (depth >= 8) return 2;
  if (depth >= 4) return 1;
  return 0;
}

export function makeChalk(level: 0 | 1 | 2 | 3): ChalkInstance {
  return new Chalk({ level });
}

const GOOD = new Set(['CLOSED', 'UP', 'OK', 'HEALTHY', 'READY', 'LEADER', 'RUNNING', 'BALANCED', 'ACTIVE', 'COMPLETE', 'REGISTERED', 'SERVING', 'STORED']);
const BAD = new Set(['OPEN', 'DOWN', 'FAILED', 'DEAD', 'CRASHED', 'REJECTING', 'EMPTY', 'EJECTED', 'UNHEALTHY', 'EXPIRED', 'FAILING']);

/** Healthy, failing, or in between: how a state is coloured on screen and in reports. */
export function stateTone(state: string): 'good' | 'bad' | 'between' {
  return GOOD.has(state) ? 'good' : BAD.has(state) ? 'bad' : 'between';
}

/** Green for healthy states, red for failing ones, yellow for everything in between. */
export function paintState(c: ChalkInstance, state: string): string {
  const tone = stateTone(state);
  if (tone === 'good') return c.green(state);
  if (tone === 'bad') return c.red.bold(state);
  return c.yellow(state);
}
