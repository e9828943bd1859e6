import { isMap, isPair, isScalar, isSeq, LineCounter, parseDocument, type Document, type Node } from 'yaml';
import type { z } from 'zod';
import type { ScenarioProblem } from '../core/errors.js';
import { didYouMean } from '../core/suggest.js';
import { describe, MISSING } from './fields.js';

export type Path = readonly (string | number)[];

/** A parsed YAML file that can say where any field path sits in the text. */
export class Source {
  readonly doc: Document.Parsed;
  private readonly lines: LineCounter;

  constructor(
    readonly file: string,
    readonly text: string,
  ) {
    this.lines = new LineCounter();
    this.doc = parseDocument(text, { lineCounter: this.lines, prettyErrors: false, uniqueKeys: true });
  }

  /** The first syntax error only: later ones are usually echoes of it. */
  syntaxProblems(): ScenarioProblem[] {
    return this.doc.errors.slice(0, 1).map((e) => {
      const pos = this.lines.linePos(e.pos[0]);
      return { file: this.file, line: pos.line, column: pos.col, message: firstLine(e.message) };
    });
  }

  /** Line and column of the value at `path`, or of the nearest ancestor that exists. */
  locate(path: Path, { key = false } = {}): { line: number; column: number } {
    let node: unknown = this.doc.contents;
    let best = offsetOf(node) ?? 0;
    for (let i = 0; i < path.length; i++) {
      const step = path[i]!;
      const last = i === path.length - 1;
      if (isMap(node)) {
        const pair = node.items.find((p) => isPair(p) && isScalar(p.key) && String(p.key.value) === String(step));
        if (!pair) break;
        if (last && key) {
          best = offsetOf(pair.key) ?? best;
          break;
        }
        node = pair.value;
        best = offsetOf(node) ?? offsetOf(pair.key) ?? best;
      } else if (isSeq(node) && typeof step === 'number') {
        node = node.items[step];
        if (node === undefined) break;
        best = offsetOf(node) ?? best;
      } else {
        break;
      }
    }
    const pos = this.lines.linePos(best);
    return { line: pos.line, column: pos.col };
  }

  problem(path: Path, message: string, suggestion?: string, opts: { key?: boolean } = {}): ScenarioProblem {
    const at = this.locate(path, opts);
    const p: ScenarioProblem = { file: this.file, line: at.line, column: at.column, path: formatPath(path), message };
    if (suggestion) p.suggestion = suggestion;
    return p;
  }
}

function offsetOf(node: unknown): number | undefined {
  const range = (node as Node | undefined)?.range;
  return range ? range[0] : undefined;
}

function firstLine(text: string): string {
  return text.split('\n')[0]!.trim();
}

export function formatPath(path: Path): string {
  let out = '';
  for (const step of path) out += typeof step === 'number' ? `[${step}]` : out === '' ? step : `.${step}`;
  return out;
}

export function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const step of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[step];
  }
  return v;
}

/** The object schema that describes the value at `path`, to list the fields it allows. */
export function allowedKeys(schema: z.ZodType, value: unknown, path: Path): string[] | undefined {
  let s: z.ZodType | undefined = schema;
  let v = value;
  for (let i = 0; i <= path.length; i++) {
    s = unwrap(s, v);
    if (!s) return undefined;
    if (i === path.length) break;
    const step = path[i]!;
    const def = s._zod.def as { type: string; shape?: Record<string, z.ZodType>; element?: z.ZodType; valueType?: z.ZodType };
    if (def.type === 'object') s = def.shape?.[String(step)];
    else if (def.type === 'array') s = def.element;
    else if (def.type === 'record') s = def.valueType;
    else return undefined;
    v = v !== null && typeof v === 'object' ? (v as Record<string | number, unknown>)[step] : undefined;
  }
  const def = s?._zod.def as { type: string; shape?: Record<string, unknown> } | undefined;
  return def?.type === 'object' ? Object.keys(def.shape ?? {}) : undefined;
}

function unwrap(schema: z.ZodType | undefined, value: unknown): z.ZodType | undefined {
  let s = schema;
  for (let guard = 0; s && guard < 20; guard++) {
    const def = s._zod.def as {
      type: string;
      innerType?: z.ZodType;
      in?: z.ZodType;
      options?: z.ZodType[];
      discriminator?: string;
    };
    if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault' || def.type === 'nullable') s = def.innerType;
    else if (def.type === 'pipe') s = def.in;
    else if (def.type === 'union' && def.options) {
      const tag = def.discriminator && value && typeof value === 'object' ? (value as Record<string, unknown>)[def.discriminator] : undefined;
      const match = def.options.find((o) => {
        const shape = (unwrap(o, value)?._zod.def as { shape?: Record<string, z.ZodType> } | undefined)?.shape;
        const lit = shape && def.discriminator ? (shape[def.discriminator]?._zod.def as { values?: unknown[] } | undefined)?.values : undefined;
        return lit?.includes(tag);
      });
      s = match ?? def.options.find((o) => (unwrap(o, value)?._zod.def as { type: string }).type === 'object');
    } else return s;
  }
  return s;
}

/** Turns schema issues into problems a person can act on, each placed in the file. */
export function problemsFromIssues(
  source: Source,
  issues: readonly z.core.$ZodIssue[],
  root: unknown,
  schema: z.ZodType,
  prefix: Path = [],
): ScenarioProblem[] {
  const out: ScenarioProblem[] = [];
  for (const issue of issues) {
    const path = [...prefix, ...(issue.path as (string | number)[])];
    const local = issue.path as (string | number)[];
    const value = valueAt(root, path);
    switch (issue.code) {
      case 'unrecognized_keys': {
        const allowed = allowedKeys(schema, valueAt(root, prefix), local) ?? [];
        for (const key of issue.keys) {
          out.push(
            source.problem([...path, key], `unknown field "${key}"`, didYouMean(key, allowed) ?? (allowed.length ? `expected one of: ${allowed.join(', ')}` : undefined), {
              key: true,
            }),
          );
        }
        break;
      }
      case 'invalid_type':
        if (value === undefined) {
          const field = path[path.length - 1];
          out.push(source.problem(path.slice(0, -1), `missing required field "${String(field)}"`));
        } else {
          out.push(source.problem(path, `expected ${article(issue.expected)}, got ${describe(value)}`));
        }
        break;
      case 'invalid_value': {
        const options = issue.values.map(String);
        out.push(
          source.problem(
            path,
            options.length === 1 ? `must be ${JSON.stringify(options[0])}, got ${describe(value)}` : `must be one of: ${options.join(', ')}; got ${describe(value)}`,
            typeof value === 'string' ? didYouMean(value, options) : undefined,
          ),
        );
        break;
      }
      case 'invalid_union': {
        const disc = issue as unknown as { discriminator?: string; options?: unknown[]; errors: z.core.$ZodIssue[][] };
        if (disc.discriminator) {
          const options = (disc.options ?? []).map(String);
          const got = value;
          out.push(
            source.problem(
              path,
              got === undefined ? `missing required field "${disc.discriminator}" (one of: ${options.join(', ')})` : `must be one of: ${options.join(', ')}; got ${describe(got)}`,
              typeof got === 'string' ? didYouMean(got, options) : undefined,
            ),
          );
        } else {
          // Report the branch that got furthest: the one whose issues sit deepest.
          const branches = disc.errors.filter((b) => b.length > 0);
          const best = branches.sort((a, b) => depth(b) - depth(a))[0];
          if (best) out.push(...problemsFromIssues(source, best, root, schema, path));
          else out.push(source.problem(path, 'not a valid value here'));
        }
        break;
      }
      case 'too_small':
      case 'too_big': {
        const bound = (issue as { minimum?: number | bigint; maximum?: number | bigint }).minimum ?? (issue as { maximum?: number | bigint }).maximum;
        const what = Array.isArray(value) ? 'entries' : '';
        const dir = issue.code === 'too_small' ? 'at least' : 'at most';
        out.push(source.problem(path, what ? `needs ${dir} ${bound} ${what}` : `must be ${dir} ${bound}`));
        break;
      }
      default:
        if (issue.message === MISSING) {
          out.push(source.problem(path.slice(0, -1), `missing required field "${String(path[path.length - 1])}"`));
        } else {
          out.push(source.problem(path, issue.message));
        }
    }
  }
  return mergeMisspelt(dedupe(out));
}

/** "missing title" plus "unknown field titel (did you mean title?)" is one mistake: keep the second. */
function mergeMisspelt(problems: ScenarioProblem[]): ScenarioProblem[] {
  const meant = new Set(problems.map((p) => /did you mean "([^"]+)"/.exec(p.suggestion ?? '')?.[1]).filter(Boolean));
  return problems.filter((p) => {
    const m = /^missing required field "([^"]+)"$/.exec(p.message);
    return !(m && meant.has(m[1]));
  });
}

function depth(issues: readonly z.core.$ZodIssue[]): number {
  return Math.max(...issues.map((i) => i.path.length + (i.code === 'invalid_type' ? 0 : 0.5)));
}

function article(expected: string): string {
  const names: Record<string, string> = {
    string: 'text',
    number: 'a number',
    boolean: 'true or false',
    object: 'a mapping (key: value lines)',
    array: 'a list',
    int: 'a whole number',
  };
  return names[expected] ?? expected;
}

function dedupe(problems: ScenarioProblem[]): ScenarioProblem[] {
  const seen = new Set<string>();
  return problems.filter((p) => {
    const key = `${p.line}:${p.column}:${p.path}:${p.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
