import type { Json } from '../core/trace.js';
import type { FaultSpec } from '../scenario/model.js';
import type { FaultKind } from './kind.js';
import { faultKindOf, faultKinds } from './registry.js';

/**
 * A fault injected by hand during a watched run, or read back from a trace to replay one.
 * Parameters stay in the written form of a scenario file (`rate: 50%`), so the trace can
 * carry them and a replay parses them exactly as the original run did.
 */
export interface ManualFault {
  id: string;
  kind: string;
  target: string;
  params: Record<string, Json>;
  /** Simulated ms at which it starts. */
  at: number;
  /** How long it lasts; absent: to the end of the run. */
  forMs?: number | undefined;
}

export interface FaultOption {
  kind: string;
  params: Record<string, Json>;
  description: string;
}

/** What a keypress may inject on a component: each fault kind that can act on it, with its presets. */
export function faultOptions(component: { kind: string }): FaultOption[] {
  const options: FaultOption[] = [];
  for (const fk of Object.values(faultKinds) as unknown as FaultKind[]) {
    if (fk.canTarget(component) !== true) continue;
    const sets = fk.presets ?? [{}];
    for (const params of sets) {
      const parsed = fk.params.safeParse(params);
      if (parsed.success) options.push({ kind: fk.kind, params: { ...params }, description: fk.describe(parsed.data) });
    }
  }
  return options;
}

/**
 * The moment a fault injected at `now` starts: the next microsecond that is not a whole
 * millisecond. A whole number of microseconds survives the trace's rounding exactly, so a
 * replay schedules it at the very same instant; avoiding whole milliseconds keeps it off
 * the ticks (metric samples, evenly spaced arrivals) that a replay might order differently.
 */
export function injectionTime(now: number): number {
  let micros = Math.floor(now * 1000) + 1;
  if (micros % 1000 === 0) micros++;
  return micros / 1000;
}

/** Checks a manual fault against the run's components; a FaultSpec, or why it cannot apply. */
export function manualFaultSpec(f: ManualFault, components: ReadonlyMap<string, { kind: string }>): FaultSpec | string {
  const fk = faultKindOf(f.kind);
  if (!fk) return `unknown fault kind "${f.kind}"`;
  const target = components.get(f.target);
  if (!target) return `no component named "${f.target}"`;
  const ok = fk.canTarget(target);
  if (ok !== true) return `${f.kind} cannot target ${f.target}: ${ok}`;
  const parsed = fk.params.safeParse(f.params);
  if (!parsed.success) return `${f.kind} on ${f.target}: ${parsed.error.issues.map((i) => i.message).join('; ')}`;
  if (f.forMs !== undefined && !(f.forMs > 0)) return `${f.id}: a fault lasts a positive time`;
  return {
    id: f.id,
    kind: f.kind,
    target: f.target,
    at: f.at,
    until: f.forMs === undefined ? Infinity : f.at + f.forMs,
    params: parsed.data,
    description: fk.describe(parsed.data),
  };
}
