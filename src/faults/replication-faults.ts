import { z } from 'zod';
import { formatDuration } from '../core/units.js';
import { ReplicatedStore } from '../patterns/replication.js';
import { duration } from '../scenario/fields.js';
import { defineFault } from './kind.js';

export const replicaLagFault = defineFault({
  kind: 'replica-lag',
  summary: 'every replica of a replicated store applies writes later (a long query holding replay up, a saturated link)',
  params: z.object({ add: duration({ min: 1, max: 3_600_000 }) }).strict(),
  canTarget: (c) => (c.kind === 'replicated-store' ? true : `only a replicated store has replicas to slow down, and this is a ${c.kind}`),
  apply: (target, p) => {
    if (!(target instanceof ReplicatedStore)) throw new TypeError(`internal: ${target.name} is a ${target.kind}`);
    return target.slowReplicas(p.add);
  },
  describe: (p) => `replicas ${formatDuration(p.add)} further behind`,
  presets: [{ add: '1s' }, { add: '5s' }],
});
