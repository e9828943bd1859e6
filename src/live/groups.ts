/**
 * Which components of a scenario run together in one process. Components that call each
 * other directly (a load and the producer it calls, a consumer and the service it calls)
 * share a process: a call is a function call, not a message. Components that only meet
 * through a broker run apart, each group in its own process, against the same real broker
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

function isBroker(spec: ComponentSpec): boolean {
  return kindOf(spec.kind)?.role === 'broker';
}

export function processGroups(scenario: Pick<Scenario, 'components'>): ProcessGroup[] {
  const specs = scenario.components.filter((s) => !isBroker(s));
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
  return [...groups.values()].map((members) => ({ name: members.find((m) => !referenced.has(m)) ?? members[0]!, members }));
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
