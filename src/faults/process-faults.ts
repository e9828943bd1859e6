import { z } from 'zod';
import type { Component } from '../core/component.js';
import { defineFault } from './kind.js';

/** Kinds made of processes that can stall without knowing it: each has `pause(cause)`. */
export const pausableKinds = ['leader-election', 'distributed-lock'];

interface Pausable {
  pause(cause: string): () => void;
}

function pausable(target: Component): Pausable {
  if (typeof (target as Partial<Pausable>).pause !== 'function') throw new TypeError(`internal: ${target.name} is a ${target.kind} and cannot pause`);
  return target as Component & Pausable;
}

export const pauseFault = defineFault({
  kind: 'pause',
  summary: 'the leader (or lock holder) stops dead — a GC pause, a VM stall — and carries on where it was when the fault ends, unaware time passed',
  params: z.object({}).strict(),
  canTarget: (c) => (pausableKinds.includes(c.kind) ? true : `only a leader election or a distributed lock can take this fault, and this is a ${c.kind}`),
  apply: (target, _p, cause) => pausable(target).pause(cause),
  describe: () => 'the leader (or lock holder) stalls',
  presets: [{}],
});
