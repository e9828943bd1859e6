import type { Component } from '../core/component.js';

export type ViewListener = (instance: string, cause: string) => void;

/**
 * A monitor's opinion of a set of instances (a health checker's, a registry's), which a
 * balancer follows: it sends traffic only to the instances every view it reads admits.
 */
export interface InstanceView extends Component {
  /** The instances it knows of, in a fixed order. */
  readonly instances: readonly string[];
  /** Whether the instance should get traffic now. */
  admits(instance: string): boolean;
  /** Tells `listener` whenever its opinion of an instance changes. */
  watch(listener: ViewListener): void;
}

export function isInstanceView(c: Component): c is InstanceView {
  return 'admits' in c && 'watch' in c && 'instances' in c;
}

/** Aggregate states shared by the monitors: all of them, some, none. */
export function aggregate<S extends string>(good: number, total: number, states: readonly [all: S, some: S, none: S]): S {
  return good === total ? states[0] : good === 0 ? states[2] : states[1];
}
