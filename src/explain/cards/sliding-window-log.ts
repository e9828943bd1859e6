import { defineCard } from '../card.js';

export default defineCard({
  problem:
    'A fixed window admits twice its limit across a window edge. When the limit protects something with a hard capacity, that burst is the overload it was meant to prevent.',
  how:
    'Keep the time of every admitted call per key. A call is admitted when fewer than `limit` admissions are younger than one window; the refusal says when the oldest of them leaves the window. Exact, at the price of up to `limit` timestamps per key.',
  diagram: `
   now ─────────────────────────────▶
        ├────── window (1s) ──────┤
     ▪  ▪ ▪▪▪  ▪▪ ▪  ▪▪ ▪          ← admissions in the log
     │ leaves the window next: retry after (oldest + window − now)`,
  knobs: [
    { knob: 'limit', trade: 'admissions per window, exactly, at any moment' },
    { knob: 'window', trade: 'longer remembers more calls (more memory per key) and allows longer bursts' },
  ],
  use: ['strict limits with small `limit` values (logins, password resets, expensive calls)'],
  avoid: ['large limits over many keys: memory grows with limit × keys'],
  mistakes: ['logging refused calls too, so a client that keeps trying is never let in again'],
  related: ['fixed-window', 'sliding-window-counter'],
});
