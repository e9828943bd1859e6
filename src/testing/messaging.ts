/**
 * Test helpers for messaging: a scenario from a few lines of YAML (the boilerplate filled
 * in), run to its end, with what tests usually look at.
 */
import { runToEnd, type RunResult } from '../engine/run.js';
import { loadScenarioText } from '../scenario/load.js';
import type { TraceEvent } from '../core/trace.js';

export interface MessagingRun {
  result: RunResult;
  events: TraceEvent[];
  /** A component's cumulative counters at the end. */
  counters(component: string): Record<string, number>;
  /** The value of the metric named by `measure` (0 when it had no data). */
  measured: number;
  producer(component: string): NonNullable<RunResult['summary']['messages']>['producers'][number];
  group(group: string): NonNullable<RunResult['summary']['messages']>['groups'][number];
}

/** `components` and `faults` are YAML blocks at the indentation of a scenario's top level. */
export async function runMessaging(
  components: string,
  opts: { faults?: string; duration?: string; variant?: string; measure?: string } = {},
): Promise<MessagingRun> {
  const text = `name: t
title: a messaging test
pattern: work-queue
goal: checks one behaviour of the messaging components
duration: ${opts.duration ?? '10s'}
components:
${components}
${opts.faults ? `faults:\n${opts.faults}` : ''}
expect:
  - { says: it runs, metric: ${opts.measure ?? 'broker.published'}, atLeast: 0 }
`;
  const scenario = loadScenarioText('t.yaml', text, opts.variant ? { variant: opts.variant } : {});
  const events: TraceEvent[] = [];
  const result = await runToEnd(scenario, [(e) => events.push(e)]);
  const messages = result.summary.messages;
  return {
    result,
    events,
    measured: Number(result.expectations[0]?.value ?? 0),
    counters: (name) => result.summary.components.find((c) => c.name === name)?.counters ?? {},
    producer: (name) => {
      const p = messages?.producers.find((x) => x.component === name);
      if (!p) throw new Error(`no producer ${name} in the summary`);
      return p;
    },
    group: (name) => {
      const g = messages?.groups.find((x) => x.group === name);
      if (!g) throw new Error(`no group ${name} in the summary`);
      return g;
    },
  };
}
