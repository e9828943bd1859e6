/**
 * The trace: everything a run has to say, as typed events. Components and the engine emit;
 * renderers, the NDJSON writer and the expectation checker subscribe. The trace itself keeps
 * nothing, so memory stays flat however long a run lasts.
 * Field names are documented in docs/trace-format.md — keep the two in step.
 */
export type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

export interface RunStartEvent {
  kind: 'run';
  t: 0;
  scenario: string;
  title: string;
  pattern: string;
  variant: string;
  seed: number;
  durationMs: number;
  components: { name: string; kind: string; state?: string }[];
  /** The `--set` overrides the run was made with, as typed; absent when there were none. */
  set?: string[];
}

export interface TransitionEvent {
  kind: 'transition';
  t: number;
  component: string;
  from: string;
  to: string;
  cause: string;
  data?: Record<string, Json>;
}

/** A notable happening that is not a state change: a retry scheduled, a probe admitted... */
export interface NoteEvent {
  kind: 'event';
  t: number;
  component: string;
  name: string;
  data?: Record<string, Json>;
}

export interface FaultEvent {
  kind: 'fault';
  t: number;
  phase: 'start' | 'end';
  id: string;
  fault: string;
  target: string;
  description: string;
  manual?: boolean;
  /** Manual faults only, on `start`: the parameters as chosen, so a replay can apply them again. */
  params?: Record<string, Json>;
  /** Manual faults only, on `start`: how long it lasts; absent when it lasts to the end. */
  forMs?: number;
}

/** Activity of one component over one sampling bucket [t - intervalMs, t]. */
export interface MetricEvent {
  kind: 'metric';
  t: number;
  component: string;
  intervalMs: number;
  counters: Record<string, number>;
  gauges?: Record<string, number>;
  latency?: Record<string, LatencySummary>;
}

export interface LatencySummary {
  count: number;
  p50: number;
  p95: number;
  p99: number;
  max: number;
}

export interface ExpectationEvent {
  kind: 'expectation';
  t: number;
  id: string;
  says: string;
  passed: boolean;
  skipped?: boolean;
  measured: string;
  expected: string;
  value: number | string | null;
}

export interface SummaryEvent {
  kind: 'summary';
  t: number;
  scenario: string;
  variant: string;
  seed: number;
  passed: boolean;
  expectations: { passed: number; failed: number; skipped: number };
  clients: ClientSummary[];
  /** `report`: figures a component offers for comparison once the run is over (largest burst, fairness...). */
  components: { name: string; kind: string; state?: string; counters: Record<string, number>; report?: Record<string, string | number> }[];
  eventsRun: number;
  interrupted: boolean;
  /** Message accounting, when the scenario moves messages through a broker. */
  messages?: MessagesSummary;
}

/** Where every message ended up (see docs/trace-format.md). */
export interface MessagesSummary {
  /** Messages a producer committed to or a broker accepted. */
  messages: number;
  producers: ProducerMessages[];
  groups: GroupMessages[];
  /** Messages worth a look (lost, dead-lettered, redelivered, duplicated), first ones first. */
  notable: NotableMessage[];
  notableOmitted: number;
}

export type MessageStatus = 'handled' | 'dead-lettered' | 'pending' | 'lost' | 'unconsumed';

export interface ProducerMessages {
  component: string;
  messages: number;
  /** Times a broker accepted one of its messages; more than `messages` means duplicates. */
  published: number;
  duplicates: number;
  handled: number;
  deadLettered: number;
  pending: number;
  lost: number;
}

export interface GroupMessages {
  destination: string;
  /** Who a copy is for: a queue, `topic@subscription`, `stream@group`. */
  group: string;
  consumers: string[];
  messages: number;
  delivered: number;
  redelivered: number;
  handled: number;
  deadLettered: number;
  pending: number;
  lost: number;
  effects: number;
  duplicateEffects: number;
}

export interface NotableMessage {
  id: string;
  producer: string;
  status: MessageStatus;
  published: number;
  groups: Record<string, { delivered: number; effects: number; status: MessageStatus }>;
}

export interface ClientSummary {
  component: string;
  calls: number;
  ok: number;
  failed: number;
  rejected: number;
  fallback: number;
  inFlight: number;
  latency: LatencySummary;
}

export type TraceEvent =
  | RunStartEvent
  | TransitionEvent
  | NoteEvent
  | FaultEvent
  | MetricEvent
  | ExpectationEvent
  | SummaryEvent;

export type TraceListener = (event: TraceEvent) => void;

export class Trace {
  private listeners: TraceListener[] = [];
  /** Kinds someone asked for; undefined once a listener wants everything. */
  private wanted: Set<TraceEvent['kind']> | undefined = new Set();
  private filtered = new Map<TraceListener, readonly TraceEvent['kind'][] | undefined>();

  /**
   * Adds a listener, optionally for some kinds of event only. Saying which kinds lets the
   * run skip work nobody reads (metric samples are not free).
   */
  subscribe(listener: TraceListener, kinds?: readonly TraceEvent['kind'][]): () => void {
    const l: TraceListener = kinds ? (e) => kinds.includes(e.kind) && listener(e) : listener;
    this.listeners.push(l);
    this.filtered.set(l, kinds);
    this.recomputeWanted();
    return () => {
      this.listeners = this.listeners.filter((x) => x !== l);
      this.filtered.delete(l);
      this.recomputeWanted();
    };
  }

  /** Whether any listener wants events of this kind. */
  wants(kind: TraceEvent['kind']): boolean {
    return this.wanted === undefined || this.wanted.has(kind);
  }

  private recomputeWanted(): void {
    const wanted = new Set<TraceEvent['kind']>();
    for (const kinds of this.filtered.values()) {
      if (kinds === undefined) {
        this.wanted = undefined;
        return;
      }
      for (const k of kinds) wanted.add(k);
    }
    this.wanted = wanted;
  }

  emit(event: TraceEvent): void {
    const listeners = this.listeners;
    for (let i = 0; i < listeners.length; i++) listeners[i]!(event);
  }

  get hasListeners(): boolean {
    return this.listeners.length > 0;
  }
}
