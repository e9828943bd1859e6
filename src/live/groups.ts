/**
 * Which components of a scenario run together in one process. Components that call each
 * other directly (a load and the producer it calls, a consumer and the service it calls)
 * share a process: a call is a function call, not a message. Components that only meet
 * through a broker (or a shared breaker's store) run apart, each group in its own process, against the same real broker
 * and run prefix. A group is named after its root: the member no other member names (the
 * load, the consumer); `patterns component <name>` runs the group of any of its members.
 */
import { kindOf } from '../components/registry.js';
import type { ComponentSpec, Scenario } from '../scenario/model.js';

export interface ProcessGroup {
  /** The member nothing else in the group refers to (what `patterns component` is given). */
  name: string;
  members: string[];
}

/** What every process of a run reaches over the network rather than holding: brokers, and the stores shared breakers keep their state in. */
function isBroker(spec: ComponentSpec): boolean {
  return kindOf(spec.kind)?.role === 'broker' || spec.kind === 'breaker-store';
}

/**
 * A simulated service stands for a remote dependency: every process that calls it gets its
 * own copy (with the same faults, at the same moments), so callers of one service do not have
 * to share a process. The parent adds their counters up: `inventory.calls` is every call
 * that reached inventory, from whichever process.
 */
function isDependency(spec: ComponentSpec): boolean {
  return kindOf(spec.kind)?.role === 'service';
}

export function processGroups(scenario: Pick<Scenario, 'components'>): ProcessGroup[] {
  const all = scenario.components.filter((s) => !isBroker(s));
  const dependencies = new Set(all.filter(isDependency).map((s) => s.name));
  const specs = all.filter((s) => !dependencies.has(s.name));
  const names = new Set(specs.map((s) => s.name));
  const parent = new Map<string, string>(specs.map((s) => [s.name, s.name]));
  const find = (n: string): string => {
    let p = parent.get(n)!;
    while (p !== parent.get(p)) p = parent.get(p)!;
    return p;
  };
  const referenced = new Set<string>();
  for (const s of specs) {
    for (const r of kindOf(s.kind)!.references(s.config as never)) {
      if (!names.has(r.name)) continue;
      referenced.add(r.name);
      parent.set(find(s.name), find(r.name));
    }
  }
  const groups = new Map<string, string[]>();
  for (const s of specs) {
    const root = find(s.name);
    groups.set(root, [...(groups.get(root) ?? []), s.name]);
  }
  const byName = new Map(all.map((s) => [s.name, s]));
  const result = [...groups.values()].map((members) => {
    const called = new Set<string>();
    for (const m of members) for (const r of kindOf(byName.get(m)!.kind)!.references(byName.get(m)!.config as never)) if (dependencies.has(r.name)) called.add(r.name);
    return { name: members.find((m) => !referenced.has(m)) ?? members[0]!, members: [...members, ...[...called].sort()] };
  });
  // A service nobody calls still runs somewhere: in the first process.
  const placed = new Set(result.flatMap((g) => g.members));
  const idle = [...dependencies].filter((d) => !placed.has(d));
  if (idle.length > 0) {
    if (result.length > 0) result[0]!.members.push(...idle);
    else result.push({ name: idle[0]!, members: idle });
  }
  return result;
}

export function groupOf(scenario: Pick<Scenario, 'components'>, name: string): ProcessGroup | undefined {
  return processGroups(scenario).find((g) => g.members.includes(name));
}

/** The scenario one process runs: its group and the brokers, the faults on its members, no expectations (the parent judges). */
export function scenarioFor<S extends Pick<Scenario, 'components' | 'faults' | 'expectations' | 'compare'>>(scenario: S, group: ProcessGroup): S {
  const keep = new Set(group.members);
  return {
    ...scenario,
    components: scenario.components.filter((s) => keep.has(s.name) || isBroker(s)),
    faults: scenario.faults.filter((f) => keep.has(f.target)),
    expectations: [],
    compare: undefined,
  };
}
