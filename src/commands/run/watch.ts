import type { ChalkInstance } from 'chalk';
import { formatClock } from '../../core/units.js';
import type { Run } from '../../engine/run.js';
import { CTRL_C } from './keys.js';
import { FaultPicker } from './fault-picker.js';

/** Speeds `+` and `-` step through, in simulated seconds per second. */
const SLOWEST = 0.125;
const FASTEST = 512;
/** How long a message stays in the footer, in wall ms. */
const MESSAGE_MS = 5_000;

export type StoppedBy = 'quit' | 'interrupt';

/** What the keys act on: a running Run. */
export type Watched = Pick<Run, 'view' | 'togglePause' | 'setSpeed' | 'injectFault'>;

export interface WatchDeps {
  c: ChalkInstance;
  /** Wall clock in ms, for how long footer messages stay. */
  now: () => number;
  /** Writes a snapshot of the current frame; returns where, or throws. */
  writeSnapshot: (run: Watched) => string;
}

/**
 * The keys of a watched run and the footer that lists them: `f` injects a fault, `p`
 * pauses, `+`/`-` change the speed, `s` writes a snapshot, `q` stops and shows the summary,
 * Ctrl-C interrupts (as SIGINT would).
 */
export class WatchSession {
  readonly stop = new AbortController();
  stoppedBy: StoppedBy | undefined;
  readonly injected: string[] = [];
  private readonly picker: FaultPicker;
  private message: { text: string; until: number } | undefined;
  private pausedForPicker = false;

  constructor(
    private readonly run: Watched,
    private readonly deps: WatchDeps,
  ) {
    this.picker = new FaultPicker(run.view().rows.map((r) => ({ name: r.name, kind: r.kind })));
  }

  key(key: string): void {
    if (key === CTRL_C) return this.end('interrupt');
    if (this.picker.isOpen) return this.pickerKey(key);
    switch (key) {
      case 'q':
      case 'Q':
        return this.end('quit');
      case 'p':
      case ' ':
        this.say(this.run.togglePause() ? 'paused — p resumes' : 'resumed');
        return;
      case '+':
      case '=':
        return this.changeSpeed(2);
      case '-':
      case '_':
        return this.changeSpeed(0.5);
      case 's':
        return this.snapshot();
      case 'f': {
        const opened = this.picker.open();
        if (opened !== true) return this.say(opened);
        // Choosing takes a moment; the run waits rather than racing past.
        if (!this.run.view().paused) {
          this.run.togglePause();
          this.pausedForPicker = true;
        }
        return;
      }
      default:
        return;
    }
  }

  footer(width = 100): string {
    const c = this.deps.c;
    const lines: string[] = [];
    if (this.message && this.deps.now() < this.message.until) lines.push(this.message.text);
    if (this.picker.isOpen) {
      lines.push(this.picker.prompt(c, width));
    } else {
      const k = (key: string, what: string) => `${c.bold(key)} ${c.dim(what)}`;
      lines.push([k('f', 'fault'), k('p', this.run.view().paused ? 'resume' : 'pause'), k('+/-', 'speed'), k('s', 'snapshot'), k('q', 'stop')].join(c.dim('  ·  ')));
    }
    return lines.join('\n');
  }

  private pickerKey(key: string): void {
    const result = this.picker.key(key);
    if (result.kind === 'pending') return;
    if (this.pausedForPicker) {
      this.run.togglePause();
      this.pausedForPicker = false;
    }
    if (result.kind === 'cancelled') return this.say('no fault injected');
    try {
      const spec = this.run.injectFault(result.request);
      this.injected.push(spec.id);
      const paused = this.run.view().paused ? ' (starts when you resume)' : '';
      this.say(this.deps.c.magenta(`injected ${spec.id} at ${formatClock(spec.at)}: ${result.summary}${paused}`));
    } catch (error) {
      this.say(this.deps.c.red(`could not inject: ${(error as Error).message}`));
    }
  }

  private changeSpeed(factor: number): void {
    const current = this.run.view().speed;
    const next = Math.min(FASTEST, Math.max(SLOWEST, (Number.isFinite(current) ? current : FASTEST) * factor));
    this.run.setSpeed(next);
    this.say(`speed ${Number(next.toFixed(3))}× (simulated seconds per second)`);
  }

  private snapshot(): void {
    try {
      this.say(`snapshot written to ${this.deps.writeSnapshot(this.run)}`);
    } catch (error) {
      this.say(this.deps.c.red(`could not write the snapshot: ${(error as Error).message}`));
    }
  }

  private end(by: StoppedBy): void {
    if (this.stoppedBy) return;
    this.stoppedBy = by;
    this.stop.abort();
  }

  private say(text: string): void {
    this.message = { text, until: this.deps.now() + MESSAGE_MS };
  }
}
