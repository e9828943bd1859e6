import type { ChalkInstance } from 'chalk';
import type { FaultRequest } from '../../engine/run.js';
import { faultOptions, type FaultOption } from '../../faults/manual.js';
import { visibleWidth } from '../../render/text.js';

/** How long a fault injected by hand lasts. */
export const FAULT_DURATIONS: readonly { label: string; ms: number | undefined }[] = [
  { label: '5s', ms: 5_000 },
  { label: '10s', ms: 10_000 },
  { label: '20s', ms: 20_000 },
  { label: 'to the end', ms: undefined },
];

/** Keys that pick the n-th choice: 1–9, then a–p (q stays free: it always cancels). */
const CHOICE_KEYS = '123456789abcdefghijklmnop';

type Step =
  | { step: 'target'; targets: string[] }
  | { step: 'fault'; target: string; options: FaultOption[] }
  | { step: 'duration'; target: string; option: FaultOption };

export type PickerResult = { kind: 'pending' } | { kind: 'cancelled' } | { kind: 'chosen'; request: FaultRequest; summary: string };

/**
 * The `f` hotkey: pick a target, then a fault and its parameters, then how long it lasts,
 * one key per step. Esc or q cancels at any step.
 */
export class FaultPicker {
  private current: Step | undefined;
  private readonly targets: { name: string; options: FaultOption[] }[];

  constructor(components: readonly { name: string; kind: string }[]) {
    this.targets = components.map((c) => ({ name: c.name, options: faultOptions(c) })).filter((t) => t.options.length > 0);
  }

  get isOpen(): boolean {
    return this.current !== undefined;
  }

  /** Opens the picker; a reason instead when nothing can take a fault. */
  open(): true | string {
    if (this.targets.length === 0) return 'no component here can take a fault';
    this.current = this.targets.length === 1 ? this.faultStep(this.targets[0]!.name) : { step: 'target', targets: this.targets.map((t) => t.name) };
    return true;
  }

  key(key: string): PickerResult {
    const s = this.current;
    if (!s) return { kind: 'cancelled' };
    if (key === 'escape' || key === 'q' || key === '\u007f') {
      this.current = undefined;
      return { kind: 'cancelled' };
    }
    const index = CHOICE_KEYS.indexOf(key);
    if (index < 0) return { kind: 'pending' };
    if (s.step === 'target') {
      const target = s.targets[index];
      if (target !== undefined) this.current = this.faultStep(target);
      return { kind: 'pending' };
    }
    if (s.step === 'fault') {
      const option = s.options[index];
      if (option) this.current = { step: 'duration', target: s.target, option };
      return { kind: 'pending' };
    }
    const duration = FAULT_DURATIONS[index];
    if (!duration) return { kind: 'pending' };
    this.current = undefined;
    const request: FaultRequest = { kind: s.option.kind, target: s.target, params: s.option.params, ...(duration.ms !== undefined ? { forMs: duration.ms } : {}) };
    return { kind: 'chosen', request, summary: `${s.option.kind} on ${s.target}: ${s.option.description}, ${duration.ms === undefined ? 'to the end' : `for ${duration.label}`}` };
  }

  /** The footer lines for the current step: the question, then the choices packed to `width`. */
  prompt(c: ChalkInstance, width: number): string {
    const s = this.current;
    if (!s) return '';
    const labels = s.step === 'target' ? s.targets : s.step === 'fault' ? s.options.map((o) => `${o.kind} (${o.description})`) : FAULT_DURATIONS.map((d) => d.label);
    const question =
      s.step === 'target' ? 'on which component?' : s.step === 'fault' ? `on ${s.target}: which fault?` : `${s.option.kind} on ${s.target} (${s.option.description}) for how long?`;
    const lines = [`${c.magenta.bold('inject a fault')} ${question}  ${c.dim('(Esc cancels)')}`];
    let line = ' ';
    for (const [i, label] of labels.entries()) {
      const item = ` ${c.bold(CHOICE_KEYS[i]!)} ${label} `;
      if (visibleWidth(line) + visibleWidth(item) > width && line.trim()) {
        lines.push(line);
        line = ' ';
      }
      line += item;
    }
    lines.push(line);
    return lines.join('\n');
  }

  private faultStep(target: string): Step {
    return { step: 'fault', target, options: this.targets.find((t) => t.name === target)!.options };
  }
}
