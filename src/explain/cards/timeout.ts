import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Without a deadline, a caller waits as long as the slowest dependency takes — forever, if it hangs. Every waiting call holds a thread, a connection, memory, and the caller\'s own caller is waiting too.',
  how:
    'Start a timer with each call; if no answer comes before it fires, give up and report a timeout. The dependency is not told: it keeps working on the abandoned call, which is why a timeout frees the caller but not the callee.',
  diagram: `
   call ──▶ ┌─────────┐ answer in time ──▶ result
            │ waiting │
            └─────────┘ timer fires first ──▶ timeout
                 (the dependency keeps working on it)`,
  knobs: [
    { knob: 'after', trade: 'shorter bounds the wait and fails more calls that were merely slow; longer does the opposite. Start from the dependency\'s p99, not its average' },
  ],
  use: ['every call that crosses a network', 'inside a retry, so each attempt is bounded'],
  avoid: ['as the only protection for an overloaded dependency: abandoned work still loads it — add a breaker or shedding'],
  mistakes: [
    'a timeout longer than the caller\'s own deadline',
    'the same timeout at every layer, so outer layers time out while inner ones still wait',
    'retrying timeouts of non-idempotent operations',
  ],
  related: ['retry', 'circuit-breaker', 'fallback'],
});
