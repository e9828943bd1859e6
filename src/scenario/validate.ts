import nodePath from 'node:path';
import type { ComponentKind, Role } from '../components/kind.js';
import { kindNames, kindOf } from '../components/registry.js';
import type { ScenarioProblem } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { formatCount, formatDuration, parseDuration, parseRatio } from '../core/units.js';
import { faultKindOf, faultKinds } from '../faults/registry.js';
import { patternNames, patternOf } from '../patterns/registry.js';
import { problemsFromIssues, type Path, type Source } from './locate.js';
import {
  histogramStats,
  type Bound,
  type ComponentSpec,
  type Expectation,
  type FaultSpec,
  type HistogramStat,
  type KnobRef,
  type MetricRef,
  type Scenario,
  type StateSelector,
  type TimeRef,
} from './model.js';
import { faultCommonKeys, scenarioSchema, type RawExpectation, type RawScenario } from './schema.js';

/** Upper bound on the calls a run may generate, so a typo cannot hang the machine. */
const MAX_CALLS = 10_000_000;

export interface ValidateOptions {
  variant: string;
  /** In a variant, expectations about removed components are skipped rather than refused. */
  lenient: boolean;
}

export interface Validated {
  scenario: Scenario;
  raw: RawScenario;
}

/** Checks a scenario's shape, then its meaning: every name it refers to must exist and fit. */
export function validateScenario(source: Source, input: unknown, opts: ValidateOptions): Validated | ScenarioProblem[] {
  const parsed = scenarioSchema.safeParse(input);
  if (!parsed.success) return problemsFromIssues(source, parsed.error.issues, input, scenarioSchema);
  const raw = parsed.data;
  const problems: ScenarioProblem[] = [];
  const at = (path: Path, message: string, suggestion?: string, key = false) => problems.push(source.problem(path, message, suggestion, { key }));

  if (!patternOf(raw.pattern)) {
    at(['pattern'], `unknown pattern "${raw.pattern}"`, didYouMean(raw.pattern, patternNames) ?? `known patterns: ${patternNames.join(', ')}`);
  }

  // Components: each config checked by its own kind's schema.
  const components: ComponentSpec[] = [];
  const kinds = new Map<string, ComponentKind>();
  for (const [name, config] of Object.entries(raw.components)) {
    const path = ['components', name];
    if (!/^[a-z][a-z0-9-]*$/.test(name)) {
      at(path, `component name "${name}" should be lower case letters, digits and dashes`, undefined, true);
      continue;
    }
    const kind = kindOf(config.kind);
    if (!kind) {
      at([...path, 'kind'], `unknown component kind "${config.kind}"`, didYouMean(config.kind, kindNames) ?? `known kinds: ${kindNames.join(', ')}`);
      continue;
    }
    // `implementation:` (exercises) replaces the built-in with the learner's file; the kind never sees it.
    const { implementation, ...own } = config as Record<string, unknown>;
    const implementationFile = checkImplementation(source, implementation, [...path, 'implementation'], at);
    const result = kind.schema.safeParse(own);
    if (!result.success) {
      problems.push(...problemsFromIssues(source, result.error.issues, input, kind.schema, path));
      continue;
    }
    kinds.set(name, kind);
    components.push({ name, kind: kind.kind, config: result.data, ...(implementationFile ? { implementation: implementationFile } : {}) });
  }
  const names = [...kinds.keys()];
  const roleOf = (name: string) => kinds.get(name)?.role;
  // Components whose own config was refused: references to them are not new problems.
  const broken = new Set(Object.keys(raw.components).filter((n) => !kinds.has(n)));

  // Wiring: what each component refers to must exist and play the right role.
  for (const spec of components) {
    const kind = kinds.get(spec.name)!;
    for (const ref of kind.references(spec.config as never)) {
      const path = ['components', spec.name, ...ref.field.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s))];
      const role = roleOf(ref.name);
      if (!role && broken.has(ref.name)) continue;
      if (!role) {
        if (!(opts.lenient && !Object.hasOwn(raw.components, ref.name))) {
          at(path, `no component named "${ref.name}"`, didYouMean(ref.name, names));
        } else {
          at(path, `"${ref.name}" was removed in this variant but ${spec.name} still refers to it`);
        }
        continue;
      }
      if (!fits(ref.role, role)) {
        at(path, `"${ref.name}" is a ${kinds.get(ref.name)!.kind}, but ${ref.field.split('.')[0]} needs ${roleText(ref.role)}`);
      }
    }
  }
  checkCycles(components, kinds, at);
  checkRequirements(components, kinds, at);

  // Faults.
  const faults: FaultSpec[] = [];
  const kindCount = new Map<string, number>();
  for (const f of raw.faults) kindCount.set(f.kind, (kindCount.get(f.kind) ?? 0) + 1);
  const seenIds = new Set<string>();
  raw.faults.forEach((f, i) => {
    const path = ['faults', i];
    const fk = faultKindOf(f.kind);
    if (!fk) {
      const known = Object.keys(faultKinds);
      at([...path, 'kind'], `unknown fault kind "${f.kind}"`, didYouMean(f.kind, known) ?? `known faults: ${known.join(', ')}`);
      return;
    }
    const id = f.id ?? (kindCount.get(f.kind) === 1 ? f.kind : `${f.kind}-${i + 1}`);
    if (seenIds.has(id)) at([...path, 'id'], `fault id "${id}" is used twice; give each fault its own id`);
    if (id === 'start' || id === 'end') at([...path, 'id'], `"${id}" is reserved for the run's own start and end`);
    seenIds.add(id);
    const params = Object.fromEntries(Object.entries(f).filter(([k]) => !faultCommonKeys.includes(k)));
    const result = fk.params.safeParse(params);
    if (!result.success) {
      problems.push(...problemsFromIssues(source, result.error.issues, input, fk.params, path));
      return;
    }
    const target = kinds.get(f.target);
    if (!target) {
      if (!opts.lenient && !broken.has(f.target)) at([...path, 'target'], `no component named "${f.target}"`, didYouMean(f.target, names));
      return;
    }
    const ok = fk.canTarget(target);
    if (ok !== true) at([...path, 'target'], `${f.kind} cannot target ${f.target}: ${ok}`);
    if (f.for !== undefined && f.until !== undefined) at([...path, 'until'], 'give either for or until, not both');
    const until = f.for !== undefined ? f.at + f.for : (f.until ?? Infinity);
    if (until <= f.at) at([...path, 'until'], `until (${formatDuration(until)}) must come after at (${formatDuration(f.at)})`);
    if (!opts.lenient && f.at >= raw.duration) {
      at([...path, 'at'], `starts at ${formatDuration(f.at)}, after the run ends (${formatDuration(raw.duration)})`);
    }
    faults.push({ id, kind: f.kind, target: f.target, at: f.at, until, params: result.data, description: f.description ?? fk.describe(result.data) });
  });
  const faultIds = new Set(faults.map((f) => f.id));
  const brokenFaults = new Set(raw.faults.map((f, i) => f.id ?? (kindCount.get(f.kind) === 1 ? f.kind : `${f.kind}-${i + 1}`)).filter((id) => !faultIds.has(id)));

  // Expectations.
  const expectations: Expectation[] = [];
  const ids = new Set<string>();
  raw.expect.forEach((e, i) => {
    const id = e.id ?? `expect-${i + 1}`;
    const path: Path = ['expect', i];
    if (ids.has(id)) at([...path, 'id'], `expectation id "${id}" is used twice`);
    ids.add(id);
    const refs = referencedComponents(e);
    if (refs.some((c) => broken.has(c)) || referencedFaults(e).some((f) => brokenFaults.has(f))) return;
    const missing = refs.find((c) => !kinds.has(c));
    if (missing && opts.lenient && !Object.hasOwn(raw.components, missing)) {
      expectations.push({ id, says: e.says, type: 'skipped', reason: `${missing} is not part of the ${opts.variant}` });
      return;
    }
    const exp = checkExpectation(e, id, path, { kinds, names, faultIds, at });
    if (exp) expectations.push(exp);
  });

  // Extra measures for --compare: metric windows, checked like expectations but never judged.
  const compare: Expectation[] = [];
  raw.compare.forEach((entry, i) => {
    const e = typeof entry === 'string' ? { metric: entry } : entry;
    const id = `compare-${i + 1}`;
    const says = e.label ?? (e.during ? `${e.metric} during ${e.during}` : e.metric);
    const asExpectation: RawExpectation = { says, metric: e.metric, during: e.during, from: e.from, to: e.to, while: e.while, atLeast: 0 };
    const refs = referencedComponents(asExpectation);
    if (refs.some((c) => broken.has(c)) || referencedFaults(asExpectation).some((f) => brokenFaults.has(f))) return;
    const missing = refs.find((c) => !kinds.has(c));
    if (missing && opts.lenient && !Object.hasOwn(raw.components, missing)) {
      compare.push({ id, says, type: 'skipped', reason: `${missing} is not part of the ${opts.variant}` });
      return;
    }
    const exp = checkExpectation(asExpectation, id, ['compare', i], { kinds, names, faultIds, at });
    if (exp) compare.push(exp);
  });

  // Knobs the menu and --set may tweak.
  const knobs: KnobRef[] = [];
  raw.knobs.forEach((k, i) => {
    const [component, field, ...rest] = k.split('.');
    const kind = component ? kinds.get(component) : undefined;
    if (!component || !field || rest.length > 0) {
      at(['knobs', i], `a knob is written component.field, e.g. breaker.failureThreshold; got "${k}"`);
      return;
    }
    if (!kind) {
      if (!opts.lenient && !broken.has(component)) at(['knobs', i], `no component named "${component}"`, didYouMean(component, names));
      return;
    }
    const spec = (kind.knobs as Record<string, KnobRef['spec'] | undefined>)[field];
    if (!spec) {
      const valid = Object.keys(kind.knobs);
      at(['knobs', i], `${kind.kind} has no knob "${field}"`, didYouMean(field, valid) ?? `its knobs: ${valid.join(', ')}`);
      return;
    }
    const config = components.find((c) => c.name === component)?.config as Record<string, unknown> | undefined;
    knobs.push({ path: k, component, field, spec, current: config?.[field] });
  });

  checkLoadSize(raw, components, at);

  if (problems.length > 0) return problems;
  return {
    raw,
    scenario: {
      file: source.file,
      name: raw.name,
      title: raw.title,
      pattern: raw.pattern,
      goal: raw.goal,
      description: raw.description,
      seed: raw.seed,
      duration: raw.duration,
      sampleEvery: raw.sampleEvery,
      components,
      faults,
      expectations,
      knobs,
      variant: opts.variant,
      hasBaseline: raw.baseline !== undefined,
      variants: [
        ...(raw.baseline ? [{ name: 'baseline', title: raw.baseline.title ?? 'without the pattern' }] : []),
        ...Object.entries(raw.variants ?? {}).map(([name, v]) => ({ name, title: v.title ?? name })),
      ],
      ...(compare.length > 0 ? { compare } : {}),
    },
  };
}

type At = (path: Path, message: string, suggestion?: string, key?: boolean) => void;

/** `implementation: ./starter.ts` — a TypeScript or JavaScript file beside the scenario. Returns its absolute path. */
function checkImplementation(source: Source, value: unknown, path: Path, at: At): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !/\.(?:[cm]?ts|[cm]?js)$/.test(value)) {
    at(path, `expected a path to a .ts or .js file, relative to this scenario (e.g. ./starter.ts); got ${JSON.stringify(value)}`);
    return undefined;
  }
  return nodePath.resolve(nodePath.dirname(source.file), value);
}

function fits(wanted: Role | 'callable', actual: Role): boolean {
  return wanted === 'callable' ? actual === 'service' || actual === 'client' || actual === 'router' : wanted === actual;
}

function roleText(role: Role | 'callable'): string {
  return role === 'callable' ? 'a service, a client or a router' : `a ${role}`;
}

function checkCycles(components: ComponentSpec[], kinds: Map<string, ComponentKind>, at: At): void {
  const edges = new Map<string, string[]>();
  for (const c of components) {
    edges.set(
      c.name,
      kinds
        .get(c.name)!
        .references(c.config as never)
        .filter((r) => r.role === 'callable')
        .map((r) => r.name),
    );
  }
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, trail: string[]): boolean => {
    if (state.get(name) === 'done') return false;
    if (state.get(name) === 'visiting') {
      at(['components', name], `calls go round in a circle: ${[...trail, name].join(' → ')}`);
      return true;
    }
    state.set(name, 'visiting');
    for (const next of edges.get(name) ?? []) if (visit(next, [...trail, name])) return true;
    state.set(name, 'done');
    return false;
  };
  for (const c of components) if (visit(c.name, [])) return;
}

/** What a component needs from one it names (a broker's capability, a queue it declares). */
function checkRequirements(components: ComponentSpec[], kinds: Map<string, ComponentKind>, at: At): void {
  const configs = new Map(components.map((c) => [c.name, c.config]));
  for (const spec of components) {
    for (const req of kinds.get(spec.name)!.requires?.(spec.config as never) ?? []) {
      const provider = kinds.get(req.of);
      // `kind:a|b`: the component named must be of one of these kinds (a role is too broad).
      const kindsWanted = req.need.startsWith('kind:') ? req.need.slice(5).split('|') : undefined;
      const reason = kindsWanted
        ? provider && !kindsWanted.includes(provider.kind)
          ? `"${req.of}" is a ${provider.kind}, but ${req.field.split('.')[0]} needs a ${kindsWanted.join(' or a ')}`
          : undefined
        : provider?.lacks?.(configs.get(req.of) as never, req.need);
      if (reason) at(['components', spec.name, ...req.field.split('.').map((s) => (/^\d+$/.test(s) ? Number(s) : s))], reason);
    }
  }
}

function referencedComponents(e: RawExpectation): string[] {
  const out: string[] = [];
  if (e.reaches) out.push(e.reaches.component);
  if (e.final) out.push(e.final.component);
  if (e.metric) out.push(e.metric.split('.')[0]!);
  if (e.while) out.push(e.while.split('=')[0]!.trim());
  return out;
}

function referencedFaults(e: RawExpectation): string[] {
  const times = [e.from, e.to, e.reaches?.after].filter((x) => x !== undefined).map(String);
  const ids = times.map((t) => /^\s*([a-z][a-z0-9-]*)\.(start|end)/.exec(t)?.[1]).filter((x): x is string => x !== undefined);
  if (e.during) ids.push(e.during);
  return ids;
}

interface Env {
  kinds: Map<string, ComponentKind>;
  names: string[];
  faultIds: Set<string>;
  at: At;
}

function checkExpectation(e: RawExpectation, id: string, path: Path, env: Env): Expectation | undefined {
  const base = { id, says: e.says };
  if (e.reaches) {
    const p = [...path, 'reaches'];
    const state = checkState(e.reaches.component, e.reaches.state, p, env);
    const after = parseTimeRef(e.reaches.after, [...p, 'after'], env);
    if (!state || !after) return undefined;
    return { ...base, type: 'reaches', component: e.reaches.component, state: e.reaches.state, after, within: e.reaches.within };
  }
  if (e.final) {
    const p = [...path, 'final'];
    if (!checkState(e.final.component, e.final.state, p, env)) return undefined;
    return { ...base, type: 'final', component: e.final.component, state: e.final.state };
  }
  const metric = parseMetric(e.metric!, [...path, 'metric'], env);
  let from: TimeRef | undefined = { anchor: 'start', offset: 0, text: 'start' };
  let to: TimeRef | undefined = { anchor: 'end', offset: 0, text: 'end' };
  if (e.during !== undefined) {
    if (!env.faultIds.has(e.during)) {
      env.at([...path, 'during'], `no fault with id "${e.during}"`, didYouMean(e.during, env.faultIds));
      return undefined;
    }
    from = { anchor: { fault: e.during, edge: 'start' }, offset: 0, text: `${e.during}.start` };
    to = { anchor: { fault: e.during, edge: 'end' }, offset: 0, text: `${e.during}.end` };
  }
  if (e.from !== undefined) from = parseTimeRef(e.from, [...path, 'from'], env);
  if (e.to !== undefined) to = parseTimeRef(e.to, [...path, 'to'], env);
  const sel = e.while !== undefined ? parseWhile(e.while, [...path, 'while'], env) : undefined;
  if (e.atMost !== undefined && e.atLeast !== undefined) {
    env.at([...path, 'atLeast'], 'use one bound per expectation (split it in two)');
    return undefined;
  }
  const op = e.atMost !== undefined ? 'atMost' : e.atLeast !== undefined ? 'atLeast' : 'equals';
  const bound = metric ? parseBound(op, e[op]!, metric, [...path, op], env) : undefined;
  if (!metric || !from || !to || !bound || (e.while !== undefined && !sel)) return undefined;
  return { ...base, type: 'metric', metric, from, to, while: sel, bound };
}

function checkState(component: string, state: string, path: Path, env: Env): boolean {
  const kind = env.kinds.get(component);
  if (!kind) {
    env.at([...path, 'component'], `no component named "${component}"`, didYouMean(component, env.names));
    return false;
  }
  const states = kind.states ?? [];
  if (!states.includes(state)) {
    env.at(
      [...path, 'state'],
      states.length ? `${component} (${kind.kind}) has no state "${state}"; its states: ${states.join(', ')}` : `${component} (${kind.kind}) has no states to reach`,
      didYouMean(state, states),
    );
    return false;
  }
  return true;
}

const TIME_REF = /^\s*(start|end|([a-z][a-z0-9-]*)\.(start|end)|[\d.]+\s*(?:us|µs|ms|s|m|h))\s*(?:([+-])\s*([\d.]+\s*(?:us|µs|ms|s|m|h)))?\s*$/;

export function parseTimeRef(input: string | number, path: Path, env: Pick<Env, 'faultIds' | 'at'>): TimeRef | undefined {
  const text = String(input);
  if (input === 0) return { anchor: 'absolute', offset: 0, text };
  const m = TIME_REF.exec(text);
  if (!m) {
    env.at(path, `expected a moment like start, end, 15s, outage.start or outage.end + 5s; got "${text}"`);
    return undefined;
  }
  const sign = m[4] === '-' ? -1 : 1;
  const offset = m[5] ? sign * parseDuration(m[5])! : 0;
  if (m[1] === 'start' || m[1] === 'end') return { anchor: m[1], offset, text };
  if (m[2] !== undefined) {
    if (!env.faultIds.has(m[2])) {
      env.at(path, `no fault with id "${m[2]}"`, didYouMean(m[2], env.faultIds) ?? (env.faultIds.size ? `fault ids: ${[...env.faultIds].join(', ')}` : 'this scenario has no faults'));
      return undefined;
    }
    return { anchor: { fault: m[2], edge: m[3] as 'start' | 'end' }, offset, text };
  }
  return { anchor: 'absolute', offset: parseDuration(m[1]!)! + offset, text };
}

function parseWhile(text: string, path: Path, env: Env): StateSelector | undefined {
  const m = /^\s*([a-z][a-z0-9-]*)\s*=\s*([A-Z_|\s]+)$/.exec(text);
  if (!m) {
    env.at(path, `expected component=STATE, e.g. breaker=OPEN or breaker=OPEN|HALF_OPEN; got "${text}"`);
    return undefined;
  }
  const states = m[2]!.split('|').map((s) => s.trim());
  for (const s of states) if (!checkState(m[1]!, s, path, env)) return undefined;
  return { component: m[1]!, states, text: text.trim() };
}

function parseMetric(text: string, path: Path, env: Env): MetricRef | undefined {
  const [component, name, stat, ...rest] = text.split('.');
  const kind = component ? env.kinds.get(component) : undefined;
  if (!component || !name) {
    env.at(path, `a metric is written component.metric, e.g. payment.calls or checkout.latency.p99; got "${text}"`);
    return undefined;
  }
  if (!kind) {
    env.at(path, `no component named "${component}"`, didYouMean(component, env.names));
    return undefined;
  }
  const m = kind.metrics;
  const all = [...m.counters, ...Object.keys(m.ratios ?? {}), ...(m.gauges ?? []), ...(m.histograms ?? []).map((h) => `${h}.p99`)];
  const fail = (why: string, guess: string) => {
    env.at(path, why, didYouMean(guess, all) ?? `${component} (${kind.kind}) measures: ${all.join(', ')}`);
    return undefined;
  };
  if (rest.length > 0) return fail(`unknown metric "${text}"`, `${name}.${stat}`);
  if ((m.histograms ?? []).includes(name)) {
    if (stat === undefined || !histogramStats.includes(stat as HistogramStat)) {
      return fail(`${name} is a distribution: name a statistic, one of ${histogramStats.map((s) => `${name}.${s}`).join(', ')}`, `${name}.${stat ?? ''}`);
    }
    const unit = stat === 'count' ? 'count' : 'ms';
    return { component, name, type: 'histogram', stat: stat as HistogramStat, unit, text };
  }
  if (stat !== undefined) return fail(`unknown metric "${text}"`, `${name}.${stat}`);
  if (m.counters.includes(name)) return { component, name, type: 'counter', unit: 'count', text };
  if (m.ratios && Object.hasOwn(m.ratios, name)) {
    const parts = m.ratios[name]!;
    return { component, name, type: 'ratio', unit: parts[2] === 'factor' ? 'factor' : 'ratio', parts, text };
  }
  if ((m.gauges ?? []).includes(name)) return { component, name, type: 'gauge', unit: 'gauge', text };
  return fail(`${component} (${kind.kind}) has no metric "${name}"`, name);
}

function parseBound(op: Bound['op'], raw: number | string, metric: MetricRef, path: Path, env: Env): Bound | undefined {
  const text = String(raw);
  let value: number | undefined;
  if (metric.unit === 'ms') {
    value = typeof raw === 'number' ? raw : parseDuration(raw);
    if (value === undefined) env.at(path, `${metric.text} is a time: write a duration like 300ms; got "${text}"`);
  } else if (metric.unit === 'ratio') {
    value = typeof raw === 'number' ? raw : parseRatio(raw);
    if (value === undefined || value < 0 || value > 1) {
      env.at(path, `${metric.text} is a ratio: write 0.99 or 99%; got "${text}"`);
      value = undefined;
    }
  } else {
    value = typeof raw === 'number' ? raw : undefined;
    const what = metric.unit === 'factor' ? 'a factor' : 'a count';
    if (value === undefined || !Number.isFinite(value) || value < 0) env.at(path, `${metric.text} is ${what}: write a number; got "${text}"`);
  }
  return value === undefined ? undefined : { op, value, text };
}

/** Refuses load that would take hours to simulate, with a hint instead of a hang. */
function checkLoadSize(raw: RawScenario, components: ComponentSpec[], at: At): void {
  for (const c of components) {
    if (c.kind !== 'load') continue;
    const cfg = c.config as { rate?: number; profile?: { rate: number }[] };
    const peak = Math.max(cfg.rate ?? 0, ...(cfg.profile ?? []).map((s) => s.rate));
    const calls = (peak * raw.duration) / 1000;
    if (calls > MAX_CALLS) {
      at(
        ['components', c.name, cfg.rate !== undefined ? 'rate' : 'profile'],
        `${formatCount(Math.round(calls))} calls over ${formatDuration(raw.duration)} is more than a run can simulate (limit ${formatCount(MAX_CALLS)})`,
        'lower the rate or shorten the duration',
      );
    }
  }
}

