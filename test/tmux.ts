import { execFileSync, spawnSync } from 'node:child_process';

/** Whether tmux is installed. */
export function hasTmux(): boolean {
  return spawnSync('tmux', ['-V']).status === 0;
}

/**
 * One tmux pane on a private server (its own socket, so the test's environment is the
 * shell's), driven like a person at a terminal: type keys, read the screen.
 */
export class Pane {
  private readonly socket = `patterns-test-${process.pid}-${Math.floor(Math.random() * 1e6)}`;

  constructor(
    cwd: string,
    readonly columns = 120,
    readonly rows = 45,
  ) {
    this.tmux('new-session', '-d', '-s', 'main', '-x', String(columns), '-y', String(rows), '-c', cwd, 'bash --norc --noprofile');
    this.tmux('set-option', '-g', 'history-limit', '5000');
  }

  /** Types a shell command line and presses Enter. */
  run(command: string): void {
    this.tmux('send-keys', '-t', 'main', '-l', command);
    this.tmux('send-keys', '-t', 'main', 'Enter');
  }

  /** tmux key names: Enter, Down, C-c, or literal characters. */
  keys(...keys: string[]): void {
    this.tmux('send-keys', '-t', 'main', ...keys);
  }

  /** The screen, plus `history` lines scrolled off above it. */
  screen(history = 0): string {
    return this.tmux('capture-pane', '-p', '-J', '-t', 'main', ...(history ? ['-S', String(-history)] : []));
  }

  cursorVisible(): boolean {
    return this.tmux('display-message', '-p', '-t', 'main', '#{cursor_flag}').trim() === '1';
  }

  /** Polls the screen until `test` passes; fails with the last screen after `timeoutMs`. */
  async waitFor(test: RegExp | ((screen: string) => boolean), timeoutMs = 20_000, history = 0): Promise<string> {
    const ok = typeof test === 'function' ? test : (s: string) => test.test(s);
    const deadline = Date.now() + timeoutMs;
    let screen = '';
    while (Date.now() < deadline) {
      screen = this.screen(history);
      if (ok(screen)) return screen;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${String(test)}; the screen was:\n${screen}`);
  }

  close(): void {
    try {
      this.tmux('kill-server');
    } catch {
      // already gone
    }
  }

  private tmux(...args: string[]): string {
    return execFileSync('tmux', ['-L', this.socket, ...args], { encoding: 'utf8' });
  }
}
