import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'Offered more work than it can do, a service queues it. Every call waits longer, callers time out, and the service spends its capacity on work nobody is waiting for any more: everyone fails, not just the excess.',
  how:
    'Watch a signal of overload — work outstanding at the service, or how long recent calls took — and past a limit refuse new calls at once with 503 instead of queueing them. With priorities, best-effort calls are shed first and critical ones only past a higher limit, so the work that matters most is served in time.',
  diagram: `
   signal (outstanding or latency) vs limit:
     < 1×            ACCEPTING      admit everything
     ≥ 1×            SHEDDING       refuse best-effort at once
     ≥ headroom ×    SHEDDING_ALL   refuse critical too
   a quiet second without shedding ──▶ back down`,
  knobs: [
    { knob: 'by (queue | latency)', trade: 'queue reacts at once but needs the capacity known; latency needs no capacity and reacts after the fact' },
    { knob: 'maxQueue / targetLatency', trade: 'lower keeps latency low and sheds more; higher keeps more work and more waiting' },
    { knob: 'criticalHeadroom', trade: 'how much more overload critical calls are spared before they are shed too' },
  ],
  use: ['any service that can be offered more than it can serve', 'mixed traffic where some calls matter more than others'],
  avoid: ['shedding at the client only: it cannot see the server\'s queue'],
  mistakes: [
    'shedding after queueing: a refusal that comes after the wait saves nothing',
    'clients that retry a 503 at once, adding back the load that was shed',
    'marking everything critical',
  ],
  related: ['bulkhead', 'token-bucket', 'retry', 'timeout'],
});
