import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Instances come and go: deploys, autoscaling, crashes. A fixed list of addresses sends traffic to instances that are gone and never to the ones that just started.',
  how:
    'Each instance registers in a registry when it starts and renews its registration with a heartbeat. A registration not renewed within its TTL expires: the instance crashed or was cut off and cannot say so itself. An instance stopping on purpose deregisters first, so it leaves at once. Clients (or their balancers) read the registry and send traffic only to registered instances.',
  diagram: `
   start ──▶ REGISTERED ◀──── heartbeat ───── (renews the lease)
               │      │  ▲                 ▲
   no heartbeat│      │  │ heartbeat again │ started again
    for ttl    ▼      │  │                 │
            EXPIRED ──┘  │      planned stop ▼
                         └──── DEREGISTERED`,
  knobs: [
    { knob: 'heartbeat', trade: 'frequent heartbeats detect sooner and cost registry traffic for every instance' },
    { knob: 'ttl', trade: 'a short TTL drops crashed instances fast and also drops live ones after a few lost heartbeats' },
  ],
  use: ['any fleet whose membership changes: containers, autoscaling groups, blue/green deploys'],
  avoid: ['a handful of fixed servers that never move: DNS or a config file is enough'],
  mistakes: [
    'stopping an instance before deregistering it, so callers keep sending it traffic until the TTL',
    'clients caching the registry for longer than instances take to drain',
    'treating the registry as a health check: a registered instance can still be slow',
  ],
  related: ['health-check', 'load-balancer'],
});
