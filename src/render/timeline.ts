import type { TraceEvent, TransitionEvent } from '../core/trace.js';

/** One client's activity over one sampling bucket `(t - intervalMs, t]`. */
export interface ClientBucket {
  t: number;
  intervalMs: number;
  ok: number;
  fallback: number;
  failed: number;
  rejected: number;
  /** p99 latency of the calls finished in the bucket; absent when none finished. */
  p99?: number | undefined;
}

export interface StateTrack {
  component: string;
  kind: string;
  initial: string;
  changes: { t: number; to: string }[];
}

export interface FaultWindow {
  id: string;
  fault: string;
  target: string;
  description: string;
  start: number;
  /** Absent when it lasted to the end of the run. */
  end?: number | undefined;
  manual: boolean;
}

/** What the charts and the HTML report draw: a run's series, state changes and faults. */
export interface Timeline {
  scenario: string;
  variant: string;
  seed: number;
  durationMs: number;
  /** Where the run stopped: the duration, or earlier when interrupted. */
  endMs: number;
  clients: { name: string; buckets: ClientBucket[] }[];
  states: StateTrack[];
  faults: FaultWindow[];
  /** Every transition in order, up to a cap (see `transitionsDropped`). */
  transitions: Omit<TransitionEvent, 'kind'>[];
  transitionsDropped: number;
}

/** Transitions kept for the report's timeline; a flapping component past this is summarised. */
const MAX_TRANSITIONS = 5000;
/** State changes kept per component for the bands. */
const MAX_CHANGES = 20_000;

/**
 * A trace listener that keeps what the end-of-run charts and the report need: per-bucket
 * client counts (not per call), state changes and fault windows.
 */
export class TimelineRecorder {
  private data: Timeline = { scenario: '', variant: '', seed: 0, durationMs: 0, endMs: 0, clients: [], states: [], faults: [], transitions: [], transitionsDropped: 0 };
  private readonly clients = new Map<string, ClientBucket[]>();
  private readonly tracks = new Map<string, StateTrack>();

  readonly listener = (event: TraceEvent): void => {
    switch (event.kind) {
      case 'run':
        this.data.scenario = event.scenario;
        this.data.variant = event.variant;
        this.data.seed = event.seed;
        this.data.durationMs = event.durationMs;
        this.data.endMs = event.durationMs;
        for (const c of event.components) {
          if (c.kind === 'client') {
            const buckets: ClientBucket[] = [];
            this.clients.set(c.name, buckets);
            this.data.clients.push({ name: c.name, buckets });
          }
          if (c.state !== undefined) {
            const track: StateTrack = { component: c.name, kind: c.kind, initial: c.state, changes: [] };
            this.tracks.set(c.name, track);
            this.data.states.push(track);
          }
        }
        break;
      case 'metric': {
        const buckets = this.clients.get(event.component);
        if (!buckets) break;
        const n = (k: string) => event.counters[k] ?? 0;
        buckets.push({ t: event.t, intervalMs: event.intervalMs, ok: n('ok'), fallback: n('fallback'), failed: n('failed'), rejected: n('rejected'), p99: event.latency?.['latency']?.p99 });
        break;
      }
      case 'transition': {
        const { kind: _kind, ...rest } = event;
        if (this.data.transitions.length < MAX_TRANSITIONS) this.data.transitions.push(rest);
        else this.data.transitionsDropped++;
        const track = this.tracks.get(event.component);
        if (track && track.changes.length < MAX_CHANGES) track.changes.push({ t: event.t, to: event.to });
        break;
      }
      case 'fault':
        if (event.phase === 'start') {
          this.data.faults.push({ id: event.id, fault: event.fault, target: event.target, description: event.description, start: event.t, manual: event.manual === true });
        } else {
          const open = this.data.faults.find((f) => f.id === event.id && f.end === undefined);
          if (open) open.end = event.t;
        }
        break;
      case 'summary':
        this.data.endMs = event.t;
        break;
      default:
        break;
    }
  };

  get timeline(): Timeline {
    return this.data;
  }
}

/** A client's activity regrouped into `columns` equal slices of the run. */
export interface ClientSeries {
  columnMs: number;
  /** Answered calls (ok or fallback) per second. */
  throughput: (number | undefined)[];
  /** Failed or rejected calls over finished calls. */
  errorRate: (number | undefined)[];
  p99: (number | undefined)[];
}

export function clientSeries(buckets: readonly ClientBucket[], spanMs: number, columns: number): ClientSeries {
  const columnMs = spanMs / columns;
  const acc = Array.from({ length: columns }, () => ({ interval: 0, answered: 0, bad: 0, p99: undefined as number | undefined }));
  const add = (i: number, b: ClientBucket) => {
    const a = acc[i]!;
    a.interval += b.intervalMs;
    a.answered += b.ok + b.fallback;
    a.bad += b.failed + b.rejected;
    if (b.p99 !== undefined) a.p99 = Math.max(a.p99 ?? 0, b.p99);
  };
  for (const b of buckets) {
    // A bucket wider than a column fills every column whose middle it covers; a narrower
    // one adds to the column its own middle falls in.
    const from = Math.max(0, Math.ceil((b.t - b.intervalMs) / columnMs - 0.5));
    const to = Math.min(columns - 1, Math.floor(b.t / columnMs - 0.5));
    if (to >= from) for (let i = from; i <= to; i++) add(i, b);
    else add(columnOf(b.t - b.intervalMs / 2, columnMs, columns), b);
  }
  return {
    columnMs,
    throughput: acc.map((a) => (a.interval > 0 ? (a.answered * 1000) / a.interval : undefined)),
    errorRate: acc.map((a) => (a.answered + a.bad > 0 ? a.bad / (a.answered + a.bad) : a.interval > 0 ? 0 : undefined)),
    p99: acc.map((a) => a.p99),
  };
}

/** The state a component spent most of each column in. */
export function stateColumns(track: StateTrack, spanMs: number, columns: number): string[] {
  const columnMs = spanMs / columns;
  const out: string[] = [];
  let state = track.initial;
  let next = 0;
  for (let i = 0; i < columns; i++) {
    const from = i * columnMs;
    const to = from + columnMs;
    const time = new Map<string, number>();
    let at = from;
    while (next < track.changes.length && track.changes[next]!.t < to) {
      const change = track.changes[next]!;
      time.set(state, (time.get(state) ?? 0) + Math.max(0, change.t - at));
      at = Math.max(at, change.t);
      state = change.to;
      next++;
    }
    time.set(state, (time.get(state) ?? 0) + (to - at));
    let best = state;
    for (const [s, ms] of time) if (ms > (time.get(best) ?? 0)) best = s;
    out.push(best);
  }
  return out;
}

/** Whether a fault was active at any moment of each column. */
export function faultColumns(fault: FaultWindow, spanMs: number, columns: number): boolean[] {
  const columnMs = spanMs / columns;
  const end = fault.end ?? spanMs;
  return Array.from({ length: columns }, (_, i) => fault.start < (i + 1) * columnMs && end > i * columnMs);
}

/** The states of a track in order of first appearance, the initial one first. */
export function statesSeen(track: StateTrack): string[] {
  const seen = [track.initial];
  for (const c of track.changes) if (!seen.includes(c.to)) seen.push(c.to);
  return seen;
}

function columnOf(t: number, columnMs: number, columns: number): number {
  return Math.max(0, Math.min(columns - 1, Math.floor(t / columnMs)));
}
