import { InvariantViolation, learnerFrames, type LearnerFaultInfo } from '../../exercises/learner.js';

/**
 * Booby-traps real time, real chance and timers in the worker that runs a learner's code.
 * The traps fire only while learner code is on the stack (`active`), so the simulator
 * around it keeps its own use of them. A violation is remembered even if the learner's
 * code catches the error.
 */
export interface Guard {
  active: boolean;
  hook: string;
  now: number;
  take(): LearnerFaultInfo | undefined;
}

interface Banned {
  owner: object;
  key: string;
  what: string;
  instead: string;
}

const TIME = 'time comes in as the `now` argument';
const CHANCE = 'chance comes in as the `random` argument, seeded by the run';
const TIMERS = 'the simulator owns time: work out from `now` when something is due, and act on the next call';

export function installGuard(isLearnerFrame: (line: string) => boolean): Guard {
  let violation: LearnerFaultInfo | undefined;
  const guard: Guard = {
    active: false,
    hook: '',
    now: 0,
    take() {
      const v = violation;
      violation = undefined;
      return v;
    },
  };
  const refuse = (what: string, instead: string): InvariantViolation => {
    const error = new InvariantViolation(`${what} is off limits in exercise code: ${instead}`);
    violation ??= { kind: 'invariant', hook: guard.hook, at: guard.now, message: error.message, stack: learnerFrames(error.stack, isLearnerFrame) };
    return error;
  };
  const banned: Banned[] = [
    { owner: Date, key: 'now', what: 'Date.now()', instead: TIME },
    { owner: performance, key: 'now', what: 'performance.now()', instead: TIME },
    { owner: process, key: 'hrtime', what: 'process.hrtime()', instead: TIME },
    { owner: Math, key: 'random', what: 'Math.random()', instead: CHANCE },
    { owner: globalThis, key: 'setTimeout', what: 'setTimeout()', instead: TIMERS },
    { owner: globalThis, key: 'setInterval', what: 'setInterval()', instead: TIMERS },
    { owner: globalThis, key: 'setImmediate', what: 'setImmediate()', instead: TIMERS },
  ];
  for (const b of banned) {
    const target = b.owner as Record<string, unknown>;
    const real = target[b.key] as (...args: unknown[]) => unknown;
    const trapped = function (this: unknown, ...args: unknown[]) {
      if (guard.active) throw refuse(b.what, b.instead);
      return real.apply(this, args);
    };
    Object.assign(trapped, real);
    target[b.key] = trapped;
  }
  // new Date() with no argument reads the clock; new Date(now) is fine.
  const RealDate = Date;
  globalThis.Date = new Proxy(RealDate, {
    construct(target, args, newTarget) {
      if (guard.active && args.length === 0) throw refuse('new Date()', TIME);
      return Reflect.construct(target, args, newTarget) as object;
    },
    apply(target, self, args) {
      if (guard.active) throw refuse('Date()', TIME);
      return Reflect.apply(target, self, args) as unknown;
    },
  });
  return guard;
}
