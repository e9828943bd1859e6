import type { NoteEvent, TraceListener } from '../core/trace.js';

/** One observable move of a run: a transition of any component, or a notable event of the exercised one. */
export interface Step {
  t: number;
  component: string;
  /** `CLOSED → OPEN`, or an event in words: `call 12: attempt 2 in 37.2ms (after error)`. */
  what: string;
  cause?: string | undefined;
}

/** Where two runs of the same scenario and seed first part ways. */
export interface Divergence {
  /** Steps both runs took identically before this one. */
  agreed: number;
  /** The learner's step at that point; absent when the learner's run had no more steps. */
  yours?: Step | undefined;
  reference?: Step | undefined;
}

/** Steps kept per run: enough for any scenario of the catalogue, bounded for runaway code. */
const STEP_LIMIT = 200_000;

/** Records the steps of one run, for comparing it with another. */
export class StepRecorder {
  readonly steps: Step[] = [];
  truncated = false;
  readonly listener: TraceListener;

  constructor(component: string, describeEvent?: (event: NoteEvent) => string | undefined) {
    this.listener = (ev) => {
      if (ev.kind !== 'transition' && ev.kind !== 'event') return;
      if (this.steps.length >= STEP_LIMIT) {
        this.truncated = true;
        return;
      }
      if (ev.kind === 'transition') {
        this.steps.push({ t: ev.t, component: ev.component, what: `${ev.from} → ${ev.to}`, cause: ev.cause });
      } else if (ev.component === component && describeEvent) {
        const what = describeEvent(ev);
        if (what !== undefined) this.steps.push({ t: ev.t, component: ev.component, what });
      }
    };
  }
}

/**
 * The first step at which the learner's run and the reference run differ: in time (to the
 * microsecond), in component, or in what happened. Causes are worded differently by the two
 * implementations and are shown, not compared. Undefined when the runs agree throughout.
 */
export function firstDivergence(yours: readonly Step[], reference: readonly Step[]): Divergence | undefined {
  const n = Math.max(yours.length, reference.length);
  for (let i = 0; i < n; i++) {
    const a = yours[i];
    const b = reference[i];
    if (a && b && sameStep(a, b)) continue;
    return { agreed: i, yours: a, reference: b };
  }
  return undefined;
}

function sameStep(a: Step, b: Step): boolean {
  return Math.round(a.t * 1000) === Math.round(b.t * 1000) && a.component === b.component && a.what === b.what;
}
