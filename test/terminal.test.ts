/**
 * The playground in a real terminal (tmux): the menu, a watched run's hotkeys, and the
 * terminal given back on every way out. Skips with a message when tmux is missing, unless
 * PATTERNS_REQUIRE_TMUX is set (CI sets it).
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { bin } from './cli.js';
import { hasTmux, Pane } from './tmux.js';

const tmux = hasTmux();
const required = !!process.env['PATTERNS_REQUIRE_TMUX'];
if (!tmux && !required) console.warn('terminal.test.ts: skipped, tmux not found (apt-get install tmux); set PATTERNS_REQUIRE_TMUX=1 to make this an error');

/** Runs the CLI as a user would, then prints how it ended and whether the terminal is cooked again. */
const patterns = (args: string) => `env -u CI -u NO_COLOR -u FORCE_COLOR node ${bin} ${args}; echo "EXIT=$?"; stty -a | grep -o -- '-\\?icanon\\b' | head -1 | sed 's/^/MODE=/'`;

let pane: Pane | undefined;
afterEach(() => pane?.close());

function open(): { pane: Pane; cwd: string } {
  if (!tmux) throw new Error('PATTERNS_REQUIRE_TMUX is set but tmux is not installed');
  const cwd = mkdtempSync(path.join(tmpdir(), 'patterns-tty-'));
  pane = new Pane(cwd);
  return { pane, cwd };
}

/** It ended, the terminal is back in line mode, and the cursor shows. */
async function endedCleanly(p: Pane, code: number): Promise<string> {
  const screen = await p.waitFor(/MODE=-?icanon/, 20_000, 300);
  expect(screen).toContain(`EXIT=${code}`);
  expect(screen).toMatch(/MODE=icanon\b/);
  expect(p.cursorVisible()).toBe(true);
  expect(screen).not.toMatch(/^\s+at .+:\d+:\d+\)?$/m);
  return screen;
}

describe.skipIf(!tmux && !required)('in a real terminal', { timeout: 120_000 }, () => {
  it('Enter through the menu runs payment-outage and shows the breaker’s states', async () => {
    const { pane: p, cwd } = open();
    p.run(patterns(''));
    for (const question of ['Category', 'Scenario', 'Knobs', 'How do you want to run it?']) {
      await p.waitFor(new RegExp(`\\? ${question.replace(/[?]/g, '\\?')}`));
      p.keys('Enter');
    }
    await p.waitFor(/│ breaker +│ circuit-breaker │ CLOSED/);
    // Faster, to keep the test short: each + doubles the pace.
    p.keys('+', '+', '+');
    const states = new Set<string>();
    await p.waitFor((screen) => {
      for (const m of screen.matchAll(/│ breaker +│ circuit-breaker │ (\w+)/g)) states.add(m[1]!);
      return screen.includes('? What next?');
    }, 40_000);
    expect([...states]).toEqual(expect.arrayContaining(['CLOSED', 'OPEN']));
    const after = p.screen(300);
    expect(after).toMatch(/breaker +─+█+/);
    expect(after).toContain('All 6 expectations held.');
    // Down to "quit", the last choice.
    p.keys('Down', 'Down', 'Down', 'Down', 'Down', 'Down', 'Enter');
    await endedCleanly(p, 0);
    const progress = JSON.parse(readFileSync(path.join(cwd, '.patterns', 'progress.json'), 'utf8')) as { scenarios: Record<string, unknown> };
    expect(Object.keys(progress.scenarios)).toEqual(['payment-outage']);
  });

  it('a fault injected with f appears in the table; q shows the summary; the run replays', async () => {
    const { pane: p, cwd } = open();
    p.run(patterns('run payment-outage --speed 1'));
    await p.waitFor(/f fault {2}· {2}p pause/);
    p.keys('f');
    await p.waitFor(/inject a fault on payment: which fault\?/);
    p.keys('2');
    await p.waitFor(/for how long\?/);
    p.keys('4');
    await p.waitFor(/fault manual-1 → payment: down, refusing calls \(until the end\)/);
    await p.waitFor(/fault manual-1 starts {2}down, refusing calls/);
    await p.waitFor(/│ payment +│ service +│ DOWN/);
    p.keys('q');
    const screen = await endedCleanly(p, 130);
    expect(screen).toContain('Expectations');
    expect(screen).toMatch(/Interrupted at [\d.]+(µs|ms|s);/);
    expect(screen).toContain('Faults injected by hand: manual-1');
    const replay = /Replay them: npx patterns run --replay (\S+)/.exec(screen)![1]!;
    expect(existsSync(path.join(cwd, replay))).toBe(true);

    p.run(patterns(`run --replay ${replay} --ci`));
    const replayed = await p.waitFor((s) => (s.match(/MODE=-?icanon/g) ?? []).length >= 2, 20_000, 500);
    const output = replayed.slice(replayed.indexOf('EXIT=130'));
    expect(output).toMatch(/fault manual-1 starts {2}down, refusing calls/);
    expect(output).toContain('EXIT=1');
  });

  it('Ctrl-C in a prompt exits cleanly with the cursor restored', async () => {
    const { pane: p } = open();
    p.run(patterns(''));
    await p.waitFor(/\? Category/);
    expect(p.cursorVisible()).toBe(false);
    p.keys('C-c');
    await endedCleanly(p, 130);
  });

  it('Ctrl-C during a watched run stops it, shows the summary and exits 130', async () => {
    const { pane: p } = open();
    p.run(patterns('run payment-outage --speed 1'));
    await p.waitFor(/│ breaker +│ circuit-breaker │ CLOSED/);
    expect(p.cursorVisible()).toBe(false);
    p.keys('C-c');
    const screen = await endedCleanly(p, 130);
    expect(screen).toMatch(/Interrupted at [\d.]+(µs|ms|s);/);
  });
});
