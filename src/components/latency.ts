import { z } from 'zod';
import type { Random } from '../core/random.js';
import { formatDuration } from '../core/units.js';
import { didYouMean } from '../core/suggest.js';
import { describe, duration, factor, MISSING } from '../scenario/fields.js';

/** A latency distribution, in milliseconds. */
export type LatencyDist =
  | { dist: 'constant'; value: number }
  | { dist: 'uniform'; min: number; max: number }
  | { dist: 'normal'; mean: number; sd: number }
  | { dist: 'lognormal'; median: number; sigma: number }
  | { dist: 'exponential'; mean: number };

/** z-score of the 99th percentile of a standard normal. */
const Z99 = 2.3263478740408408;
const MAX_LATENCY = 3_600_000;

export function sampleLatency(d: LatencyDist, random: Pick<Random, 'next' | 'normal' | 'exponential' | 'lognormal' | 'uniform'>): number {
  switch (d.dist) {
    case 'constant':
      return d.value;
    case 'uniform':
      return random.uniform(d.min, d.max);
    case 'normal':
      return Math.max(0, random.normal(d.mean, d.sd));
    case 'lognormal':
      return Math.min(MAX_LATENCY, random.lognormal(d.median, d.sigma));
    case 'exponential':
      return Math.min(MAX_LATENCY, random.exponential(d.mean));
  }
}

export function describeLatency(d: LatencyDist): string {
  switch (d.dist) {
    case 'constant':
      return formatDuration(d.value);
    case 'uniform':
      return `uniform ${formatDuration(d.min)}–${formatDuration(d.max)}`;
    case 'normal':
      return `normal ${formatDuration(d.mean)} ± ${formatDuration(d.sd)}`;
    case 'lognormal':
      return `p50 ${formatDuration(d.median)}, p99 ${formatDuration(d.median * Math.exp(d.sigma * Z99))}`;
    case 'exponential':
      return `exponential, mean ${formatDuration(d.mean)}`;
  }
}

const ms = duration({ max: MAX_LATENCY });
const shapes = {
  constant: ms.transform((value): LatencyDist => ({ dist: 'constant', value })),
  uniform: z
    .object({ min: ms, max: ms })
    .strict()
    .refine((u) => u.min <= u.max, { message: 'min must not exceed max' })
    .transform((u): LatencyDist => ({ dist: 'uniform', ...u })),
  normal: z.object({ mean: ms, sd: ms }).strict().transform((n): LatencyDist => ({ dist: 'normal', ...n })),
  lognormal: z
    .object({ median: ms, sigma: factor({ min: 0, max: 5 }) })
    .strict()
    .transform((l): LatencyDist => ({ dist: 'lognormal', ...l })),
  exponential: ms.transform((mean): LatencyDist => ({ dist: 'exponential', mean })),
} as const;

const shapeNames = Object.keys(shapes) as (keyof typeof shapes)[];
const percentiles = z
  .object({ p50: ms, p99: ms })
  .refine((p) => p.p50 > 0 && p.p99 >= p.p50, { message: 'needs 0 < p50 ≤ p99' })
  .transform(
    (p): LatencyDist => ({ dist: 'lognormal', median: p.p50, sigma: Math.log(p.p99 / p.p50) / Z99 }),
  );

/**
 * `40ms` (constant), `{p50: 40ms, p99: 200ms}` (a lognormal through both), or one of
 * `{constant: 40ms}`, `{uniform: {min, max}}`, `{normal: {mean, sd}}`,
 * `{lognormal: {median, sigma}}`, `{exponential: 30ms}` (mean).
 */
export const latencySchema = z.unknown().transform((raw, ctx): LatencyDist => {
  const fail = (message: string, path: (string | number)[] = []) => {
    ctx.addIssue({ code: 'custom', message, path });
    return z.NEVER;
  };
  const relay = (schema: z.ZodType<LatencyDist>, value: unknown, prefix: (string | number)[]) => {
    const result = schema.safeParse(value);
    if (result.success) return result.data;
    for (const issue of result.error.issues) {
      const path = [...prefix, ...(issue.path as (string | number)[])];
      if (issue.code === 'unrecognized_keys') {
        const allowed = Object.keys((schema as unknown as { shape?: object }).shape ?? {});
        for (const key of issue.keys) fail(`unknown field "${key}"${allowed.length ? ` (expected ${allowed.join(' and ')})` : ''}`, [...path, key]);
      } else {
        fail(issue.message, path);
      }
    }
    return z.NEVER;
  };
  if (raw === undefined) return fail(MISSING);
  if (typeof raw === 'string' || typeof raw === 'number') return relay(shapes.constant, raw, []);
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    return fail(`expected a latency like 40ms or {p50: 40ms, p99: 200ms}, got ${describe(raw)}`);
  }
  const keys = Object.keys(raw);
  if (keys.includes('p50') || keys.includes('p99')) {
    for (const key of keys) {
      if (key !== 'p50' && key !== 'p99') fail(`unknown field "${key}": a percentile latency gives p50 and p99`, [key]);
    }
    return relay(percentiles, raw, []);
  }
  const shape = keys.length === 1 ? shapeNames.find((s) => s === keys[0]) : undefined;
  if (!shape) {
    const guess = keys.length === 1 ? didYouMean(keys[0]!, [...shapeNames, 'p50']) : undefined;
    return fail(
      `expected one of ${shapeNames.join(', ')} or p50 and p99, got ${keys.length ? keys.join(', ') : 'an empty mapping'}${guess ? ` (${guess})` : ''}`,
    );
  }
  return relay(shapes[shape] as z.ZodType<LatencyDist>, (raw as Record<string, unknown>)[shape], [shape]);
});
