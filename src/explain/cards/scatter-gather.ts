import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'The best answer needs several sources — quotes from five insurers, results from ten shards — and some of them are slow. Waiting for all makes every request as slow as the slowest source; asking them one by one adds their latencies up.',
  how:
    'Send the request to every recipient at once, collect answers until a deadline, then answer with what came in (the best quote so far). Late answers are dropped and counted. A minimum number of answers decides whether the result is good enough; below it the request fails fast rather than late.',
  diagram: `
              ┌──▶ acme     (80ms)  ✓
              ├──▶ globex   (120ms) ✓
   request ───┼──▶ initech  (150ms) ✓   gather until 300ms: best of 3
              ├──▶ umbrella (700ms) ✗ late
              └──▶ hooli    (1.2s)  ✗ late`,
  knobs: [
    { knob: 'deadline', trade: 'longer gathers more answers (a better result) and makes every caller wait that long when some are slow' },
    { knob: 'need', trade: 'more answers required means fewer weak results and more failed requests' },
  ],
  use: ['quotes, bids, federated search: any "best of several" answer', 'hedging across replicas'],
  avoid: ['when every answer is required (that is a join: it fails or waits with the slowest)'],
  mistakes: [
    'no deadline: the gather is as slow as the slowest recipient, and as available as the least available',
    'cancelling late work you were going to pay for anyway, and calling it saved',
    'forgetting the fan-out multiplies load on the recipients',
  ],
  related: ['timeout', 'pub-sub'],
});
