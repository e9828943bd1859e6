import { EventEmitter } from 'node:events';
import { describe, expect, it } from 'vitest';
import type { FaultSpec } from '../../scenario/model.js';
import type { FaultRequest, RunView } from '../../engine/run.js';
import { makeChalk } from '../../render/colour.js';
import { stripAnsi } from '../../render/text.js';
import { FaultPicker } from './fault-picker.js';
import { CTRL_C, listenKeys, splitKeys, type KeySource } from './keys.js';
import { WatchSession, type Watched } from './watch.js';

const c = makeChalk(0);
const components = [
  { name: 'payment', kind: 'service' },
  { name: 'breaker', kind: 'circuit-breaker' },
  { name: 'inventory', kind: 'service' },
];

describe('the fault picker', () => {
  it.each([
    ['target, fault, duration', ['1', '3', '2'], { kind: 'error-rate', target: 'payment', params: { rate: '20%' }, forMs: 10_000 }],
    ['the second service, to the end', ['2', '1', '4'], { kind: 'outage', target: 'inventory', params: { mode: 'hang' } }],
    ['keys that choose nothing are ignored', ['x', '1', '9', '7', 'z', '1'], { kind: 'latency', target: 'payment', params: { add: '500ms' }, forMs: 5000 }],
  ])('%s', (_name, keys, request) => {
    const picker = new FaultPicker(components);
    expect(picker.open()).toBe(true);
    const results = keys.map((k) => picker.key(k));
    expect(results.slice(0, -1).every((r) => r.kind === 'pending')).toBe(true);
    expect(results.at(-1)).toMatchObject({ kind: 'chosen', request });
    expect(picker.isOpen).toBe(false);
  });

  it.each([['escape'], ['q'], ['\u007f']])('%j cancels at any step', (key) => {
    const picker = new FaultPicker(components);
    picker.open();
    picker.key('1');
    expect(picker.key(key)).toEqual({ kind: 'cancelled' });
    expect(picker.isOpen).toBe(false);
  });

  it('with one target it goes straight to the faults', () => {
    const picker = new FaultPicker([{ name: 'payment', kind: 'service' }]);
    picker.open();
    expect(stripAnsi(picker.prompt(c, 200))).toMatch(/^inject a fault on payment: which fault\?/);
  });

  it('says why when nothing can take a fault', () => {
    expect(new FaultPicker([{ name: 'breaker', kind: 'circuit-breaker' }]).open()).toBe('no component here can take a fault');
  });

  it('packs the choices into lines no wider than the terminal', () => {
    const picker = new FaultPicker([{ name: 'payment', kind: 'service' }]);
    picker.open();
    const lines = stripAnsi(picker.prompt(c, 60)).split('\n');
    expect(lines.length).toBeGreaterThan(2);
    for (const l of lines.slice(1)) expect(l.length).toBeLessThanOrEqual(60);
    expect(lines.join(' ')).toContain('7 latency (+500ms)');
  });
});

describe('raw keys', () => {
  it.each([
    ['fq', ['f', 'q']],
    ['\u0003', [CTRL_C]],
    ['\u001b', ['escape']],
    ['\u001b[A+', ['\u001b[A', '+']],
    ['\u001bOP-', ['\u001bOP', '-']],
  ])('%j splits into %j', (chunk, keys) => {
    expect(splitKeys(chunk)).toEqual(keys);
  });

  it('raw mode is on only while listening, and always turned off', () => {
    const input = new FakeInput();
    const seen: string[] = [];
    const stop = listenKeys(input, (k) => seen.push(k));
    expect(input.modes).toEqual([true]);
    input.emit('data', Buffer.from('p+'));
    stop();
    stop();
    input.emit('data', Buffer.from('q'));
    expect(seen).toEqual(['p', '+']);
    expect(input.modes).toEqual([true, false]);
    expect(input.paused).toBe(true);
    expect(input.listenerCount('data')).toBe(0);
  });
});

class FakeInput extends EventEmitter implements KeySource {
  readonly isTTY = true;
  modes: boolean[] = [];
  paused = false;
  setRawMode(mode: boolean) {
    this.modes.push(mode);
  }
  resume() {
    this.paused = false;
  }
  pause() {
    this.paused = true;
  }
}

/** A Run as the keys see it: pause, speed, faults. */
class FakeRun implements Watched {
  paused = false;
  speed = 5;
  injected: FaultRequest[] = [];
  view(): RunView {
    return {
      scenario: { name: 'payment-outage', title: 't', pattern: 'circuit-breaker', goal: 'g', variant: 'main' },
      seed: 7,
      t: 1234,
      duration: 60_000,
      speed: this.speed,
      paused: this.paused,
      rows: components.map((x) => ({ ...x, columns: {} })),
      activeFaults: [],
    };
  }
  togglePause(): boolean {
    this.paused = !this.paused;
    return this.paused;
  }
  setSpeed(speed: number): void {
    this.speed = speed;
  }
  injectFault(request: FaultRequest): FaultSpec {
    this.injected.push(request);
    return { id: `manual-${this.injected.length}`, kind: request.kind, target: request.target, at: 1234.001, until: Infinity, params: {}, description: '' };
  }
}

function session(writeSnapshot: () => string = () => '.patterns/snapshots/x.txt') {
  const run = new FakeRun();
  let now = 0;
  const s = new WatchSession(run, { c, now: () => now, writeSnapshot });
  const footer = () => stripAnsi(s.footer(120));
  return { run, s, footer, later: (ms: number) => (now += ms) };
}

describe('a watched run’s keys', () => {
  it('the footer lists the hotkeys', () => {
    expect(session().footer()).toBe('f fault  ·  p pause  ·  +/- speed  ·  s snapshot  ·  q stop');
  });

  it('p pauses and resumes, and says so', () => {
    const { s, run, footer } = session();
    s.key('p');
    expect(run.paused).toBe(true);
    expect(footer()).toBe('paused — p resumes\nf fault  ·  p resume  ·  +/- speed  ·  s snapshot  ·  q stop');
    s.key('p');
    expect(run.paused).toBe(false);
  });

  it.each([
    [['+'], 10],
    [['+', '='], 20],
    [['-'], 2.5],
    [['-', '-', '-', '-', '-', '-'], 0.125],
  ])('%j sets the speed to %d×', (keys, speed) => {
    const { s, run } = session();
    for (const k of keys) s.key(k);
    expect(run.speed).toBe(speed);
  });

  it('f pauses while choosing, injects, resumes, and reports it', () => {
    const { s, run, footer } = session();
    s.key('f');
    expect(run.paused).toBe(true);
    expect(footer()).toContain('inject a fault on which component?');
    for (const k of ['1', '1', '4']) s.key(k);
    expect(run.paused).toBe(false);
    expect(run.injected).toEqual([{ kind: 'outage', target: 'payment', params: { mode: 'hang' } }]);
    expect(s.injected).toEqual(['manual-1']);
    expect(footer().split('\n')[0]).toBe('injected manual-1 at 1.234s: outage on payment: down, calls hang, to the end');
  });

  it('a picker opened while paused leaves the run paused', () => {
    const { s, run } = session();
    s.key('p');
    s.key('f');
    s.key('escape');
    expect(run.paused).toBe(true);
  });

  it('messages fade after a few seconds', () => {
    const { s, footer, later } = session();
    s.key('s');
    expect(footer()).toContain('snapshot written to .patterns/snapshots/x.txt');
    later(6000);
    expect(footer()).not.toContain('written');
  });

  it('a snapshot that cannot be written is reported, not thrown', () => {
    const { s, footer } = session(() => {
      throw new Error('EACCES');
    });
    s.key('s');
    expect(footer()).toContain('could not write the snapshot: EACCES');
  });

  it.each([
    ['q', 'quit'],
    [CTRL_C, 'interrupt'],
  ])('%j stops the run (%s)', (key, by) => {
    const { s } = session();
    s.key(key);
    expect(s.stoppedBy).toBe(by);
    expect(s.stop.signal.aborted).toBe(true);
  });

  it('Ctrl-C interrupts even while the picker is open', () => {
    const { s } = session();
    s.key('f');
    s.key(CTRL_C);
    expect(s.stoppedBy).toBe('interrupt');
  });
});
