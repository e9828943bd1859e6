import { z } from 'zod';
import { count, duration } from './fields.js';

/** The shape of a scenario file. Component and fault details are checked by their kinds. */
const slug = z
  .string({ error: 'expected a name' })
  .regex(/^[a-z][a-z0-9-]*$/, { message: 'names are lower case letters, digits and dashes, starting with a letter' });

const timeText = z.union([z.string(), z.number()]);
const boundValue = z.union([z.number(), z.string()]);

export const expectationSchema = z
  .object({
    id: slug.optional(),
    says: z.string().min(1, { message: 'say in words what should hold' }),
    reaches: z
      .object({ component: slug, state: z.string(), within: duration().optional(), after: timeText.default('start') })
      .strict()
      .optional(),
    final: z.object({ component: slug, state: z.string() }).strict().optional(),
    metric: z.string().optional(),
    during: slug.optional(),
    from: timeText.optional(),
    to: timeText.optional(),
    while: z.string().optional(),
    atMost: boundValue.optional(),
    atLeast: boundValue.optional(),
    equals: boundValue.optional(),
  })
  .strict()
  .superRefine((e, ctx) => {
    const kinds = (['reaches', 'final', 'metric'] as const).filter((k) => e[k] !== undefined);
    if (kinds.length !== 1) {
      ctx.addIssue({
        code: 'custom',
        path: kinds.length > 1 ? [kinds[1]!] : [],
        message: kinds.length === 0 ? 'an expectation needs one of: reaches, final, metric' : `use one of reaches, final or metric per expectation, not ${kinds.join(' and ')}`,
      });
      return;
    }
    const bounds = (['atMost', 'atLeast', 'equals'] as const).filter((k) => e[k] !== undefined);
    if (e.metric !== undefined && bounds.length === 0) {
      ctx.addIssue({ code: 'custom', path: ['metric'], message: 'a metric expectation needs a bound: atMost, atLeast or equals' });
    }
    if (e.metric === undefined) {
      for (const field of ['during', 'from', 'to', 'while', ...bounds] as const) {
        if (e[field] !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: `${field} only goes with metric` });
      }
    }
    if (e.equals !== undefined && bounds.length > 1) {
      ctx.addIssue({ code: 'custom', path: ['equals'], message: 'equals cannot be combined with atMost or atLeast' });
    }
    if (e.during !== undefined && (e.from !== undefined || e.to !== undefined)) {
      ctx.addIssue({ code: 'custom', path: ['during'], message: 'during (a fault window) cannot be combined with from/to' });
    }
  });

export const faultCommon = {
  id: slug.optional(),
  kind: z.string({ error: 'expected a fault kind' }),
  target: slug,
  at: duration(),
  for: duration({ min: 1 }).optional(),
  until: duration().optional(),
  description: z.string().optional(),
};
export const faultCommonKeys = Object.keys(faultCommon);

/** An extra measure for `--compare`: `payment.calls`, or the same with a window and a label. */
export const compareSchema = z.union([
  z.string(),
  z
    .object({
      metric: z.string(),
      label: z.string().optional(),
      during: slug.optional(),
      from: timeText.optional(),
      to: timeText.optional(),
      while: z.string().optional(),
    })
    .strict(),
]);

/** A variant of the system: components removed, fields replaced. The baseline is one. */
export const baselineSchema = z
  .object({
    title: z.string().optional(),
    description: z.string().optional(),
    remove: z.array(slug).default([]),
    components: z.record(z.string(), z.looseObject({})).default({}),
  })
  .strict();

export const scenarioSchema = z
  .object({
    name: slug,
    title: z.string().min(1),
    pattern: z.string(),
    goal: z.string().min(1, { message: 'say in one line what this scenario teaches' }),
    description: z.string().optional(),
    seed: count({ min: 0, max: 4_294_967_295 }).default(1),
    duration: duration({ min: 1, max: 86_400_000 }),
    sampleEvery: duration({ min: 10, max: 3_600_000 }).default(1000),
    components: z.record(z.string(), z.looseObject({ kind: z.string({ error: 'every component needs a kind' }) })),
    faults: z.array(z.looseObject(faultCommon)).default([]),
    expect: z.array(expectationSchema).min(1),
    knobs: z.array(z.string()).default([]),
    compare: z.array(compareSchema).default([]),
    baseline: baselineSchema.optional(),
    variants: z.record(z.string(), baselineSchema).optional(),
  })
  .strict()
  .superRefine((s, ctx) => {
    for (const name of Object.keys(s.variants ?? {})) {
      if (!/^[a-z][a-z0-9-]*$/.test(name) || name === 'main' || name === 'baseline') {
        ctx.addIssue({
          code: 'custom',
          path: ['variants', name],
          message: name === 'main' || name === 'baseline' ? `"${name}" is reserved; the baseline has its own section` : 'variant names are lower case letters, digits and dashes',
        });
      }
    }
  });

export type RawScenario = z.output<typeof scenarioSchema>;
export type RawExpectation = z.output<typeof expectationSchema>;
