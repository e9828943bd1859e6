import { describe, expect, it } from 'vitest';
import { inProcessHost, InvariantViolation, LearnerCalls, LearnerFault, learnerFrames, readableFrame, type LearnerHost } from './learner.js';

const mine = (line: string) => line.includes('/exercises/mine/');

function faultOf(fn: () => unknown): LearnerFault {
  try {
    fn();
  } catch (error) {
    if (error instanceof LearnerFault) return error;
    throw error;
  }
  throw new Error('expected a fault');
}

describe('LearnerCalls', () => {
  const calls = new LearnerCalls(inProcessHost, mine);

  it('passes answers through and tells the host which function runs, at what time', () => {
    const seen: string[] = [];
    const host: LearnerHost = { enter: (h, now) => seen.push(`enter ${h} ${now}`), exit: () => seen.push('exit'), takeViolation: () => undefined };
    expect(new LearnerCalls(host, mine).call('tryAcquire', 12, () => 42)).toBe(42);
    expect(seen).toEqual(['enter tryAcquire 12', 'exit']);
  });

  it.each([
    ['an Error', () => { throw new TypeError('x is undefined'); }, 'threw', 'TypeError: x is undefined'],
    ['a string', () => { throw 'nope'; }, 'threw', 'threw "nope"'],
    ['an invariant violation', () => { throw new InvariantViolation('Date.now() is off limits'); }, 'invariant', 'Date.now() is off limits'],
  ])('turns %s into a fault naming the function and the time', (_what, fn, kind, message) => {
    const f = faultOf(() => calls.call('onFailure', 16_046, fn));
    expect(f.info).toMatchObject({ kind, hook: 'onFailure', at: 16_046, message });
  });

  it('refuses a promise where an answer is needed at once', () => {
    const f = faultOf(() => calls.call('tryAcquire', 5, () => Promise.resolve(true)));
    expect(f.info.kind).toBe('async');
    expect(f.info.message).toContain('tryAcquire returned a Promise');
  });

  it('awaits what may be async, and faults what rejects', async () => {
    await expect(calls.settle('create', async () => 'made')).resolves.toBe('made');
    await expect(calls.settle('create', () => Promise.reject(new Error('no')))).rejects.toMatchObject({ info: { kind: 'threw', hook: 'create', message: 'no' } });
    await expect(calls.settle('module load', () => { throw new SyntaxError('Unexpected }'); })).rejects.toMatchObject({ info: { kind: 'load' } });
  });

  it('raises a violation the learner swallowed', () => {
    const host: LearnerHost = { ...inProcessHost, takeViolation: () => ({ kind: 'invariant', message: 'Math.random() is off limits' }) };
    expect(() => new LearnerCalls(host, mine).checkViolations()).toThrow('Math.random() is off limits');
  });
});

describe('stack frames', () => {
  it('keeps the frames in the learner files', () => {
    const stack = ['TypeError: boom', '    at Object.onFailure (/w/exercises/mine/starter.ts:11:16)', '    at GateStandIn.wrap (/pkg/dist/exercises/contracts/gate.js:80:20)', '    at helper (/w/exercises/mine/util.ts:3:1)'].join('\n');
    expect(learnerFrames(stack, mine)).toEqual(['at Object.onFailure (/w/exercises/mine/starter.ts:11:16)', 'at helper (/w/exercises/mine/util.ts:3:1)']);
    expect(learnerFrames('Error: x\n    at other (/pkg/x.js:1:1)', mine)).toBeUndefined();
  });

  it('names the file of a frame run from a data: URL (CommonJS, no source map), without a false line', () => {
    const line = 'at Object.onFailure (data:text/javascript,__filename%3D...?filePath=%2Fw%2Fexercises%2Fmine%2Fstarter.ts%3Fnamespace%3D3858:2:1049)';
    expect(readableFrame(line)).toBe('at Object.onFailure (/w/exercises/mine/starter.ts)');
    expect(readableFrame('at f (/w/exercises/mine/starter.ts:1:2)')).toBe('at f (/w/exercises/mine/starter.ts:1:2)');
  });
});
