import { memberTrace, type Component, type ComponentTrace } from '../core/component.js';

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

/** Aggregate states: all of them good, some, none. */
export function aggregate<S extends string>(good: number, total: number, states: readonly [all: S, some: S, none: S]): S {
  return good === total ? states[0] : good === 0 ? states[2] : states[1];
}

/**
 * A monitor's verdict on each instance, kept with what follows from a change: the member's
 * transition (traced as `monitor/instance`), the monitor's aggregate state, and its watchers.
 */
export class Verdicts<V extends string, S extends string> {
  private readonly verdicts: Map<string, V>;
  private readonly traces: Map<string, ComponentTrace>;
  private readonly listeners: ViewListener[] = [];
  private current: S;

  constructor(
    private readonly owner: { name: string; trace: ComponentTrace },
    instances: readonly string[],
    private readonly cfg: {
      good: V;
      states: readonly [all: S, some: S, none: S];
      /** The word for the good ones in the aggregate transition's data (`healthy: 3`). */
      goodAre: string;
      /** Whether an instance it has no verdict on gets traffic. */
      admitsUnknown: boolean;
    },
  ) {
    this.verdicts = new Map(instances.map((i) => [i, cfg.good]));
    this.traces = new Map(instances.map((i) => [i, memberTrace(owner.trace, i)]));
    this.current = cfg.states[0];
  }

  get state(): S {
    return this.current;
  }

  of(instance: string): V | undefined {
    return this.verdicts.get(instance);
  }

  admits(instance: string): boolean {
    const verdict = this.verdicts.get(instance);
    return verdict === undefined ? this.cfg.admitsUnknown : verdict === this.cfg.good;
  }

  /** How many instances have the good verdict, out of how many. */
  tally(): { good: number; of: number } {
    let good = 0;
    for (const v of this.verdicts.values()) if (v === this.cfg.good) good++;
    return { good, of: this.verdicts.size };
  }

  watch(listener: ViewListener): void {
    this.listeners.push(listener);
  }

  set(instance: string, to: V, cause: string): void {
    const from = this.verdicts.get(instance)!;
    if (from === to) return;
    this.verdicts.set(instance, to);
    this.traces.get(instance)!.transition(from, to, cause);
    const { good, of } = this.tally();
    const next = aggregate(good, of, this.cfg.states);
    if (next !== this.current) {
      const was = this.current;
      this.current = next;
      this.owner.trace.transition(was, next, `${instance}: ${cause}`, { [this.cfg.goodAre]: good, of });
    }
    for (const listener of this.listeners) listener(instance, `${instance} ${to.toLowerCase()} (${this.owner.name})`);
  }
}
