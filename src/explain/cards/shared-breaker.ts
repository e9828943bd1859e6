import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Many instances of a service each keep their own circuit breaker in front of the same dependency. When it dies, each breaker has to learn that by itself: the dependency still receives every instance’s threshold of failures, and every instance’s probes each time the breakers half-open. Scale the callers out and the dead dependency hears more, not less.',
  how:
    'The breaker’s state lives in a store every instance shares (Redis, in practice), updated atomically: failures in a row count across all clients, so the threshold is reached once for everyone; when it opens, every client reads OPEN before calling and fails fast; after openFor exactly one client gets the probe, and its outcome closes or reopens the breaker for all.',
  diagram: `
   client A ─┐  admit? OPEN: reject  ┌───────────────┐
   client B ─┼──────────────────────▶│ breaker-store │ one state a key
   client C ─┘  record(outcome)      │   (Redis)     │ one probe
        │       atomically           └───────────────┘ per openFor
        └── only when admitted ──▶ dependency`,
  knobs: [
    { knob: 'failureThreshold', trade: 'failures in a row across all clients: lower trips sooner, and a few unlucky calls from anywhere trip it for everyone' },
    { knob: 'openFor', trade: 'longer spares the dependency more; everyone keeps failing fast after it has recovered until the one probe succeeds' },
    { knob: 'latency (store)', trade: 'every call pays a round trip to the store before and after; a slow store slows every call' },
  ],
  use: [
    'many instances (or processes, or hosts) calling one dependency that fails as a whole',
    'a dependency that is expensive to probe or easily overwhelmed while recovering',
  ],
  avoid: [
    'when instances see different health (different networks, zones): one bad path opens the breaker for the healthy ones too',
    'when a store round trip per call costs more than the failures it saves; keep a local breaker and accept N × threshold',
  ],
  mistakes: [
    'read-modify-write from the clients instead of one atomic update: two clients both take the probe, or both reset the count',
    'making the store a hard dependency: when it is unreachable, let calls through (or fall back to a local breaker) rather than failing everything',
    'one key for unrelated endpoints, so one bad endpoint opens the breaker for all',
  ],
  related: ['circuit-breaker', 'bulkhead', 'fallback'],
});
