import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A dependency that is down or drowning keeps receiving calls. Each caller waits for its timeout, threads and connections pile up, and the failure spreads upstream; meanwhile the struggling dependency gets no room to recover.',
  how:
    'The breaker watches outcomes. While CLOSED it lets calls through and counts failures (in a row, or as a rate over a window of calls or of time). Past the threshold it OPENs: calls fail at once without touching the dependency. After a wait it goes HALF_OPEN and lets a few probe calls through; their outcome closes it again or sends it back to OPEN, often with a longer wait.',
  diagram: `
             failures ≥ threshold
   ┌────────┐ ─────────────────▶ ┌──────┐
   │ CLOSED │                    │ OPEN │◀──────────┐
   └────────┘ ◀───┐              └──────┘           │
                  │                 │ openFor        │ a probe fails
                  │ probes succeed  ▼ elapsed        │
                  │             ┌───────────┐        │
                  └──────────── │ HALF_OPEN │ ───────┘
                                └───────────┘
                                 admits N probes`,
  knobs: [
    { knob: 'failureThreshold / failureRate', trade: 'lower trips sooner on a real outage, but also on a burst of bad luck' },
    { knob: 'minimumCalls / window', trade: 'more calls judged means fewer false trips and a slower reaction' },
    { knob: 'openFor', trade: 'longer spares the dependency more, and keeps callers failing after it has recovered' },
    { knob: 'probes', trade: 'more probes decide with more confidence, and send more calls into a dependency that may still be down' },
    { knob: 'halfOpen (automatic | lazy)', trade: 'automatic probes on a timer; lazy waits for the next call, so with sparse traffic the breaker stays open longer than openFor' },
    { knob: 'slowCallDuration / slowCallRate', trade: 'counting slow calls catches a dependency that is drowning, not just failing' },
  ],
  use: [
    'calls to a remote dependency that can fail as a whole (a service, a database, a third-party API)',
    'when failing fast is better for your caller than waiting: a fallback, a cached value, an error page',
  ],
  avoid: [
    'around work that must not be skipped and cannot be deferred',
    'with so little traffic that no window ever fills — use timeouts and retries with a budget instead',
    'one breaker for many unrelated endpoints: one bad endpoint opens it for all',
  ],
  mistakes: [
    'counting client errors (bad requests, 404s) as failures of the dependency',
    'a breaker inside a retry loop, so every retry is judged separately — put the breaker outside the retry',
    'no fallback: the breaker turns a slow error into a fast error, which is only half the job',
    'each of many instances keeping its own breaker, so the dependency still sees N × probes (see shared-breaker)',
  ],
  related: ['timeout', 'retry', 'fallback'],
});
