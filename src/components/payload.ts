import { z } from 'zod';
import type { Random } from '../core/random.js';
import { bytes } from '../scenario/fields.js';

/** Message sizes: a constant, or a lognormal through a median and a 99th percentile (a few huge ones). */
export type SizeDist = { dist: 'constant'; bytes: number } | { dist: 'lognormal'; median: number; sigma: number };

/** z-score of the 99th percentile of a standard normal. */
const Z99 = 2.3263478740408408;
const MAX = 1024 ** 3;

export const sizeSchema = z.union([
  bytes({ min: 1, max: MAX }).transform((b): SizeDist => ({ dist: 'constant', bytes: b })),
  z
    .object({ p50: bytes({ min: 1, max: MAX }), p99: bytes({ min: 1, max: MAX }) })
    .strict()
    .refine((p) => p.p99 >= p.p50, { message: 'needs p50 ≤ p99' })
    .transform((p): SizeDist => ({ dist: 'lognormal', median: p.p50, sigma: Math.log(p.p99 / p.p50) / Z99 })),
]);

export function sampleSize(d: SizeDist, random: Pick<Random, 'lognormal'>): number {
  if (d.dist === 'constant') return d.bytes;
  return Math.max(1, Math.min(MAX, Math.round(random.lognormal(d.median, d.sigma))));
}
