import type { ChalkInstance } from 'chalk';
import type { TraceEvent } from '../core/trace.js';
import { formatClock } from '../core/units.js';
import { paintState } from './colour.js';
import type { Output } from './output.js';
import { padEnd } from './text.js';

/**
 * One line per state transition and fault, as they happen: what a pipe, a log file or a
 * CI job sees. Metric samples and per-call events are left to --json.
 */
export function plainLines(out: Output, c: ChalkInstance, width: number): (event: TraceEvent) => void {
  const name = (n: string) => padEnd(n, width);
  return (event) => {
    switch (event.kind) {
      case 'transition':
        out.write(`${c.dim(formatClock(event.t).padStart(9))}  ${name(event.component)}  ${paintState(c, event.from)} → ${paintState(c, event.to)}  ${c.dim(event.cause)}\n`);
        break;
      case 'fault': {
        const verb = event.phase === 'start' ? c.magenta(`fault ${event.id} starts`) : c.magenta(`fault ${event.id} ends`);
        out.write(`${c.dim(formatClock(event.t).padStart(9))}  ${name(event.target)}  ${verb}  ${c.dim(event.description)}\n`);
        break;
      }
      default:
        break;
    }
  };
}
