import { z } from 'zod';
import { Service, type ServiceCondition } from '../components/service.js';
import type { Component } from '../core/component.js';
import { formatDuration, formatPercent } from '../core/units.js';
import { duration, factor, ratio } from '../scenario/fields.js';
import { defineFault } from './kind.js';

const servicesOnly = (c: { kind: string }) => (c.kind === 'service' ? true : `only a service can take this fault, and this is a ${c.kind}`);

function impose(target: Component, condition: ServiceCondition, cause: string): () => void {
  if (!(target instanceof Service)) throw new TypeError(`${target.name} is not a service`);
  return target.impose(condition, cause);
}

export const outageFault = defineFault({
  kind: 'outage',
  summary: 'the service is down: calls fail at once (fail) or never answer (hang)',
  params: z.object({ mode: z.enum(['fail', 'hang']).default('fail') }).strict(),
  canTarget: servicesOnly,
  apply: (target, p, cause) => impose(target, { down: p.mode }, cause),
  describe: (p) => (p.mode === 'fail' ? 'down, refusing calls' : 'down, calls hang'),
  presets: [{ mode: 'hang' }, { mode: 'fail' }],
});

export const stopFault = defineFault({
  kind: 'stop',
  summary: 'a planned stop (a deploy, a scale-in): the service finishes the calls it has, refuses new ones, and says so to whoever watches it',
  params: z.object({}).strict(),
  canTarget: servicesOnly,
  apply: (target, _p, cause) => impose(target, { down: 'stop' }, cause),
  describe: () => 'stopped on purpose, refusing new calls',
});

export const errorRateFault = defineFault({
  kind: 'error-rate',
  summary: 'a share of calls fail on top of the usual errors',
  params: z.object({ rate: ratio() }).strict(),
  canTarget: servicesOnly,
  apply: (target, p, cause) => impose(target, { errorRate: p.rate }, cause),
  describe: (p) => `${formatPercent(p.rate)} of calls fail`,
  presets: [{ rate: '20%' }, { rate: '50%' }, { rate: '100%' }],
});

export const latencyFault = defineFault({
  kind: 'latency',
  summary: 'calls take longer: multiplied by a factor and/or a fixed delay added',
  params: z
    .object({ factor: factor({ min: 0, max: 10_000 }).optional(), add: duration({ max: 3_600_000 }).optional() })
    .strict()
    .refine((p) => p.factor !== undefined || p.add !== undefined, { message: 'say how much slower: factor (e.g. 10) and/or add (e.g. 500ms)' }),
  canTarget: servicesOnly,
  apply: (target, p, cause) => impose(target, { latencyFactor: p.factor ?? 1, latencyAdd: p.add ?? 0 }, cause),
  describe: (p) => [p.factor !== undefined && `×${p.factor} slower`, p.add !== undefined && `+${formatDuration(p.add)}`].filter(Boolean).join(', '),
  presets: [{ factor: 10 }, { add: '500ms' }],
});
