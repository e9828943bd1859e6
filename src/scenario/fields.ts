import { z } from 'zod';
import { formatBytes, formatDuration, parseBytes, parseDuration, parseRate, parseRatio } from '../core/units.js';

/**
 * Field types scenario files use. Each accepts the friendly written form and yields plain
 * numbers (milliseconds, events per second, ratios in 0..1), refusing absurd values with a
 * message that says what would be accepted.
 */
export interface Bounds {
  min?: number;
  max?: number;
}

const DAY = 86_400_000;

/** Marks "this required field is absent"; the error formatter words it with the field's name. */
export const MISSING = 'MISSING';

type Ctx = { addIssue(issue: { code: 'custom'; message: string }): void };

function missing(ctx: Ctx): never {
  ctx.addIssue({ code: 'custom', message: MISSING });
  return z.NEVER;
}

export function duration(bounds: Bounds = {}) {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? DAY;
  return z.unknown().transform((raw, ctx) => {
    if (raw === undefined) return missing(ctx);
    const ms = typeof raw === 'number' ? (raw === 0 ? 0 : undefined) : typeof raw === 'string' ? parseDuration(raw) : undefined;
    if (ms === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          typeof raw === 'number' && Number.isFinite(raw)
            ? `a duration needs a unit: write ${raw}ms or ${raw}s`
            : `expected a duration like 250ms, 10s or 2m, got ${describe(raw)}`,
      });
      return z.NEVER;
    }
    if (ms < min || ms > max) {
      ctx.addIssue({
        code: 'custom',
        message: `${formatDuration(ms)} is out of range: expected between ${formatDuration(min)} and ${formatDuration(max)}`,
      });
      return z.NEVER;
    }
    return ms;
  });
}

export function rate(bounds: Bounds = {}) {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? 100_000;
  return z.unknown().transform((raw, ctx) => {
    if (raw === undefined) return missing(ctx);
    const perSecond = typeof raw === 'string' ? parseRate(raw) : undefined;
    if (perSecond === undefined) {
      ctx.addIssue({
        code: 'custom',
        message:
          typeof raw === 'number' && Number.isFinite(raw)
            ? `a rate needs a unit: write ${raw}/s or ${raw}/m`
            : `expected a rate like 50/s or 300/m, got ${describe(raw)}`,
      });
      return z.NEVER;
    }
    if (perSecond < min || perSecond > max) {
      ctx.addIssue({ code: 'custom', message: `${perSecond}/s is out of range: expected between ${min}/s and ${max}/s` });
      return z.NEVER;
    }
    return perSecond;
  });
}

/** A size: `512B`, `20KB`, `1.5MB` (1KB = 1024 bytes). */
export function bytes(bounds: Bounds = {}) {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? 1024 ** 3;
  return z.unknown().transform((raw, ctx) => {
    if (raw === undefined) return missing(ctx);
    const n = typeof raw === 'number' ? (raw === 0 ? 0 : undefined) : typeof raw === 'string' ? parseBytes(raw) : undefined;
    if (n === undefined) {
      ctx.addIssue({
        code: 'custom',
        message: typeof raw === 'number' && Number.isFinite(raw) ? `a size needs a unit: write ${raw}B or ${raw}KB` : `expected a size like 512B, 20KB or 1MB, got ${describe(raw)}`,
      });
      return z.NEVER;
    }
    if (n < min || n > max) {
      ctx.addIssue({ code: 'custom', message: `${formatBytes(n)} is out of range: expected between ${formatBytes(min)} and ${formatBytes(max)}` });
      return z.NEVER;
    }
    return n;
  });
}

/** A ratio: `0.25` or `25%`, within 0..1. */
export function ratio() {
  return z.unknown().transform((raw, ctx) => {
    if (raw === undefined) return missing(ctx);
    const value = typeof raw === 'number' ? raw : typeof raw === 'string' ? parseRatio(raw) : undefined;
    if (value === undefined || !Number.isFinite(value)) {
      ctx.addIssue({ code: 'custom', message: `expected a ratio like 0.25 or 25%, got ${describe(raw)}` });
      return z.NEVER;
    }
    if (value < 0 || value > 1) {
      ctx.addIssue({ code: 'custom', message: `${raw} is out of range: expected between 0 and 1 (0% to 100%)` });
      return z.NEVER;
    }
    return value;
  });
}

export function count(bounds: Bounds = {}) {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? 1_000_000;
  return z
    .number({ error: (issue) => `expected a whole number, got ${describe(issue.input)}` })
    .refine((n) => Number.isInteger(n), { message: 'expected a whole number' })
    .refine((n) => n >= min && n <= max, { message: `out of range: expected between ${min} and ${max}` });
}

export function factor(bounds: Bounds = {}) {
  const min = bounds.min ?? 0;
  const max = bounds.max ?? 1000;
  return z
    .number({ error: (issue) => `expected a number, got ${describe(issue.input)}` })
    .refine((n) => Number.isFinite(n) && n >= min && n <= max, { message: `out of range: expected between ${min} and ${max}` });
}

/** A component name as written in a scenario: lower case, digits and dashes. */
export const componentName = z
  .string({ error: (issue) => `expected a component name, got ${describe(issue.input)}` })
  .regex(/^[a-z][a-z0-9-]*$/, { message: 'names are lower case letters, digits and dashes, starting with a letter' });

export function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  if (typeof value === 'string') return `the text ${JSON.stringify(value)}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return String(value);
  return `${typeof value} ${String(value)}`;
}
