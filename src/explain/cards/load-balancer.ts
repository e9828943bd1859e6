import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Several instances serve the same thing, and they are never equally fast: one is slow, one is dying, one has a cold cache. The way calls are spread decides whether one bad instance hurts a quarter of the users or almost none.',
  how:
    'The balancer picks an instance per call. Round robin takes them in turn; random picks uniformly; least outstanding picks the one with the fewest calls in flight, which steers away from slow instances by itself; power of two choices picks two at random and takes the less busy, which gets most of that benefit without everyone piling on the same instance. Outlier ejection watches the answers: an instance that fails N times in a row is taken out of rotation for a while, longer each time it happens again. Health checks and a registry can take instances out too.',
  diagram: `
   call ─▶ balancer ─ pick among instances in rotation ─▶ api-1
             │         round robin | random |          ─▶ api-2
             │         least outstanding | p2c         ─▶ api-3 EJECTED
             ▼
   per instance:  ACTIVE ── N failures in a row ──▶ EJECTED
                    ▲                                  │
                    └──── baseEjection × times ────────┘`,
  knobs: [
    { knob: 'algorithm', trade: 'round robin and random ignore how busy an instance is; least outstanding reacts to slowness but herds to a fast-failing instance; p2c reacts with less herding' },
    { knob: 'outlierEjection.consecutiveFailures', trade: 'lower ejects a broken instance sooner and a merely unlucky one too' },
    { knob: 'outlierEjection.baseEjection', trade: 'longer keeps a dead instance out with fewer failed calls to rediscover it; a recovered one waits longer to be used' },
    { knob: 'outlierEjection.maxEjected', trade: 'a cap stops ejection from emptying the pool when the fault is downstream of every instance' },
  ],
  use: ['any service with more than one instance', 'client-side, when the caller can see the instances (service mesh, gRPC)'],
  avoid: ['least outstanding without outlier ejection: an instance that fails fast has nothing outstanding and attracts traffic'],
  mistakes: [
    'no per-try timeout at the balancer, so a slow instance never shows up as failures to eject it',
    'ejecting on errors caused by the caller (4xx)',
    'no cap on ejections: a shared dependency failing ejects every instance',
  ],
  related: ['health-check', 'service-discovery', 'retry', 'timeout'],
});
