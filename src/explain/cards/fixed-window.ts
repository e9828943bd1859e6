import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A client (or all clients together) can send more than a service can or should serve: a script in a loop, a retry storm, a flash sale. Without a limit, the excess degrades service for everyone.',
  how:
    'Count calls per window aligned on the clock (each second, each minute), per key or for everyone. Admit while the count is under the limit; refuse the rest with 429 and a Retry-After of the time left in the window. At the next window the count starts again from zero.',
  diagram: `
   window 0–1s: ■■■■■■■■■■ 10/10 → refuse until 1s
   window 1–2s: ■■■ 3/10
   at the edge: 10 calls at 0.99s + 10 at 1.00s = 20 in 10ms`,
  knobs: [
    { knob: 'limit', trade: 'higher admits more, and lets more through in a burst' },
    { knob: 'window', trade: 'long windows allow long bursts; short windows refuse sooner and reset sooner' },
    { knob: 'key / classes', trade: 'per key isolates clients from each other; per class gives tiers their own limits' },
  ],
  use: ['coarse quotas (calls per day, per minute) where a boundary burst does not matter', 'when memory per key must be one counter'],
  avoid: ['protecting a service whose capacity a boundary burst of twice the limit would exceed'],
  mistakes: [
    'windows aligned for every key at the same moment, so every client resets at once and bursts together',
    'refusing without Retry-After, so clients retry at once and make it worse',
  ],
  related: ['sliding-window-log', 'sliding-window-counter', 'token-bucket', 'leaky-bucket'],
});
