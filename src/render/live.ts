import { Chalk, type ChalkInstance } from 'chalk';
import Table from 'cli-table3';
import type { TraceEvent } from '../core/trace.js';
import { formatClock, formatDuration } from '../core/units.js';
import type { RunView } from '../engine/run.js';
import { paintState } from './colour.js';
import type { Output } from './output.js';
import { padEnd, truncate } from './text.js';

const RECENT = 12;
export const HIDE_CURSOR = '\u001b[?25l';
export const SHOW_CURSOR = '\u001b[?25h';

interface Recent {
  t: number;
  line: (c: ChalkInstance, nameWidth: number) => string;
}

/** Composes one frame of the live view as lines of text. Pure: tests snapshot it. */
export function composeFrame(view: RunView, recent: readonly Recent[], c: ChalkInstance, width: number, footer?: string): string[] {
  const lines: string[] = [];
  const s = view.scenario;
  const variant = s.variant === 'main' ? '' : c.yellow(` [${s.variant}]`);
  lines.push(`${c.bold.cyan('patterns')} ${c.bold(s.name)}${variant} ${c.dim('·')} ${s.title}`);
  const progress = bar(view.t / view.duration, 24);
  const speed = view.speed === Infinity ? 'max' : `${Number(view.speed.toFixed(2))}×`;
  const paused = view.paused ? c.yellow.bold('  PAUSED') : '';
  lines.push(`${c.cyan(progress)} ${formatClock(view.t)} / ${formatDuration(view.duration)}   ${c.dim('seed')} ${view.seed}   ${c.dim('speed')} ${speed}${paused}`);

  const nameWidth = Math.max(9, ...view.rows.map((r) => r.name.length));
  const kindWidth = Math.max(4, ...view.rows.map((r) => r.kind.length));
  const stateWidth = Math.max(5, ...view.rows.map((r) => (r.state ?? '').length));
  // Borders and padding take 13 columns for four cells.
  const detailWidth = Math.max(10, width - nameWidth - kindWidth - stateWidth - 13);
  const table = new Table({
    head: ['component', 'kind', 'state', 'details'].map((h) => c.dim(h)),
    colWidths: [nameWidth + 2, kindWidth + 2, stateWidth + 2, detailWidth + 2],
    style: { head: [], border: [], 'padding-left': 1, 'padding-right': 1 },
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    wordWrap: false,
  });
  for (const row of view.rows) {
    const details = Object.entries(row.columns)
      .map(([k, v]) => `${c.dim(k)} ${v}`)
      .join(c.dim(' · '));
    table.push([row.name, c.dim(row.kind), row.state ? paintState(c, row.state) : c.dim('—'), truncate(details, detailWidth)]);
  }
  lines.push(...table.toString().split('\n'));

  if (view.activeFaults.length > 0) {
    for (const f of view.activeFaults) {
      const until = f.until === Infinity ? 'until the end' : `until ${formatClock(f.until)}`;
      lines.push(`${c.magenta.bold('fault')} ${f.id} ${c.dim('→')} ${f.target}: ${f.description} ${c.dim(`(${until})`)}`);
    }
  } else {
    lines.push(c.dim('no active faults'));
  }
  lines.push(c.dim('recent transitions'));
  if (recent.length === 0) lines.push(c.dim('  (none yet)'));
  const nw = Math.max(...view.rows.map((r) => r.name.length), 5);
  for (const r of recent) lines.push(`  ${r.line(c, nw)}`);
  if (footer) lines.push(...footer.split('\n'));
  return lines.map((l) => truncate(l, width));
}

function bar(fraction: number, width: number): string {
  const f = Math.max(0, Math.min(1, fraction));
  const full = Math.round(f * width);
  return `▕${'█'.repeat(full)}${'░'.repeat(width - full)}▏`;
}

/**
 * The live view: redrawn in place at most every `frameMs`, one write per frame. It hides
 * the cursor while it runs and always gives it back (stop(), and process exit as a last
 * resort).
 */
export class LiveTable {
  private recent: Recent[] = [];
  private drawnLines = 0;
  private stopped = false;
  private offResize: (() => void) | undefined;
  private lastView: RunView | undefined;
  private readonly restore = () => this.out.write(SHOW_CURSOR);

  constructor(
    private readonly out: Output,
    private readonly c: ChalkInstance,
    private readonly footer?: () => string | undefined,
  ) {}

  readonly listener = (event: TraceEvent): void => {
    if (event.kind === 'transition') {
      const e = event;
      this.push({
        t: e.t,
        line: (c, w) => `${c.dim(formatClock(e.t).padStart(9))}  ${padEnd(e.component, w)}  ${paintState(c, e.from)} → ${paintState(c, e.to)}  ${c.dim(e.cause)}`,
      });
    } else if (event.kind === 'fault') {
      const e = event;
      this.push({
        t: e.t,
        line: (c, w) => `${c.dim(formatClock(e.t).padStart(9))}  ${padEnd(e.target, w)}  ${c.magenta(`fault ${e.id} ${e.phase === 'start' ? 'starts' : 'ends'}`)}  ${c.dim(e.description)}`,
      });
    }
  };

  start(): void {
    this.out.write(HIDE_CURSOR);
    process.once('exit', this.restore);
    this.offResize = this.out.onResize?.(() => {
      // After a resize the old frame may have wrapped; start over at the top of the screen.
      this.out.write('\u001b[2J\u001b[H');
      this.drawnLines = 0;
      if (this.lastView) this.draw(this.lastView);
    });
  }

  draw(view: RunView): void {
    if (this.stopped) return;
    this.lastView = view;
    const width = Math.max(40, this.out.columns);
    const footer = this.footer?.();
    let lines = composeFrame(view, this.recent, this.c, width, footer);
    const maxLines = Math.max(5, this.out.rows - 1);
    if (lines.length > maxLines) {
      // A short terminal loses the oldest transitions, never the footer with the hotkeys.
      const kept = footer ? Math.min(footer.split('\n').length, maxLines - 1) : 0;
      lines = [...lines.slice(0, maxLines - kept), ...lines.slice(lines.length - kept)];
    }
    let frame = this.drawnLines > 0 ? `\u001b[${this.drawnLines}F` : '';
    frame += lines.map((l) => `${l}\u001b[K`).join('\n') + '\n\u001b[J';
    this.out.write(frame);
    this.drawnLines = lines.length;
  }

  /** A frame as plain text, without colour or footer: what `s` writes to a file. */
  snapshot(view: RunView | undefined = this.lastView): string {
    if (!view) return '';
    const plain = new Chalk({ level: 0 });
    return composeFrame(view, this.recent, plain, Math.max(40, this.out.columns)).join('\n') + '\n';
  }

  stop(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.offResize?.();
    process.off('exit', this.restore);
    this.out.write(SHOW_CURSOR);
  }

  private push(r: Recent): void {
    this.recent.push(r);
    if (this.recent.length > RECENT) this.recent.shift();
  }
}

