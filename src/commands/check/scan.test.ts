import { describe, expect, it } from 'vitest';
import { blankCommentsAndStrings, scanSource } from './scan.js';

describe('scanning learner code for real time and chance', () => {
  it.each([
    ['const t = Date.now();', 'Date.now', 1, 11],
    ['const d = new Date();', 'new Date()', 1, 11],
    ['x = performance.now()', 'performance.now', 1, 5],
    ['if (Math.random() < 0.5) {}', 'Math.random', 1, 5],
    ['\n  setTimeout(() => {}, 10);', 'timers', 2, 3],
    ['setInterval(f, 1)', 'timers', 1, 1],
    ['process.hrtime.bigint()', 'process.hrtime', 1, 1],
  ])('finds %j', (code, what, line, column) => {
    expect(scanSource('f.ts', code)).toMatchObject([{ what, line, column }]);
  });

  it.each([
    ['// Date.now() would be wrong here'],
    ['/* no Math.random */ const x = 1;'],
    ["const s = 'Date.now';"],
    ['const d = new Date(now);'],
    ['const myDate = now; const random = () => 1;'],
  ])('lets %j be', (code) => {
    expect(scanSource('f.ts', code)).toEqual([]);
  });

  it('keeps lines and columns when blanking comments and strings', () => {
    const text = "a /* x\ny */ 'z' // w\nb";
    expect(blankCommentsAndStrings(text).split('\n').map((l) => l.length)).toEqual(text.split('\n').map((l) => l.length));
  });
});
