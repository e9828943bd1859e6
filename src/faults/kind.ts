import type { z } from 'zod';
import type { Component } from '../core/component.js';
import type { Json } from '../core/trace.js';

/** A kind of fault: what it does to its target while it lasts. */
export interface FaultKind<S extends z.ZodType = z.ZodType> {
  kind: string;
  summary: string;
  /** The fault's own parameters (timing and target are common to all faults). */
  params: S;
  /** Whether this fault can act on the component; a reason when it cannot. */
  canTarget(component: { kind: string }): true | string;
  /** Applies the fault; the returned function undoes it. */
  apply(target: Component, params: z.output<S>, cause: string): () => void;
  describe(params: z.output<S>): string;
  /**
   * Parameter sets offered when a fault is injected by a keypress, written as in a scenario
   * file. Without presets, the fault is offered with its defaults when it has them.
   */
  presets?: readonly Record<string, Json>[];
}

export function defineFault<S extends z.ZodType>(fault: FaultKind<S>): FaultKind<S> {
  return fault;
}
