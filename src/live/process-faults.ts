/**
 * Faults a multi-process live run injects from outside the processes, given on the command
 * line: `--process-fault KIND:COMPONENT@AT[+FOR]`.
 *
 *   crash:charger@10s        SIGKILL; with +FOR it is started again FOR later
 *   restart:charger@10s      SIGKILL, then started again at once
 *   pause:charger@10s+3s     SIGSTOP, SIGCONT 3 s later (a GC pause, a frozen VM)
 *   net-down:charger@10s+3s  its proxy refuses and drops its connections to the broker
 *   net-reset:charger@10s    its open connections to the broker are reset
 *   latency=200ms:charger@10s+5s   every byte between it and the broker waits 200 ms
 *
 * COMPONENT is any member of a process group: the fault hits the whole process.
 */
import { UsageError } from '../core/errors.js';
import { parseDuration } from '../core/units.js';

export type ProcessFaultKind = 'crash' | 'restart' | 'pause' | 'net-down' | 'net-reset' | 'latency';

export interface ProcessFault {
  id: string;
  kind: ProcessFaultKind;
  target: string;
  at: number;
  forMs?: number;
  latencyMs?: number;
  /** As given, for messages and the trace. */
  text: string;
}

const KINDS: readonly ProcessFaultKind[] = ['crash', 'restart', 'pause', 'net-down', 'net-reset', 'latency'];

export function parseProcessFault(text: string, index: number): ProcessFault {
  const m = /^([a-z-]+)(?:=([^:]+))?:([a-z][a-z0-9-]*)@([^+]+)(?:\+(.+))?$/.exec(text.trim());
  const fail = (why: string) =>
    new UsageError(`--process-fault ${JSON.stringify(text)}: ${why}`, ['the form is KIND:COMPONENT@AT[+FOR], e.g. crash:charger@10s+3s, pause:charger@5s+2s, latency=200ms:charger@5s+10s', `kinds: ${KINDS.join(', ')}`]);
  if (!m) throw fail('not understood');
  const [, kind, value, target, atText, forText] = m as unknown as [string, string, string | undefined, string, string, string | undefined];
  if (!KINDS.includes(kind as ProcessFaultKind)) throw fail(`unknown kind "${kind}"`);
  const at = parseDuration(atText);
  if (at === undefined) throw fail(`"${atText}" is not a time (e.g. 10s)`);
  const forMs = forText === undefined ? undefined : parseDuration(forText);
  if (forText !== undefined && (forMs === undefined || forMs <= 0)) throw fail(`"${forText}" is not a duration (e.g. 3s)`);
  const fault: ProcessFault = { id: `process-${index + 1}`, kind: kind as ProcessFaultKind, target, at, text, ...(forMs !== undefined ? { forMs } : {}) };
  if (kind === 'latency') {
    const latencyMs = value === undefined ? undefined : parseDuration(value);
    if (latencyMs === undefined) throw fail('latency needs a value: latency=200ms:COMPONENT@AT+FOR');
    fault.latencyMs = latencyMs;
  } else if (value !== undefined) {
    throw fail(`${kind} takes no value`);
  }
  if ((kind === 'pause' || kind === 'net-down') && forMs === undefined) throw fail(`${kind} needs +FOR (how long), or the process never comes back`);
  return fault;
}
