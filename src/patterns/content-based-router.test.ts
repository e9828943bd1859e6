import { describe, expect, it } from 'vitest';
import { runMessaging } from '../testing/messaging.js';

const system = (router: string) => `  broker:
    kind: broker
    queues: { in: { deadLetter: { to: dead } }, a: {}, b: {}, other: {}, dead: {} }
  p: { kind: producer, broker: broker, queue: in }
  router:
    kind: content-based-router
    broker: broker
    queue: in
    by: type
    routes: { a: a, b: b }
${router}
  ca: { kind: consumer, broker: broker, queue: a }
  cb: { kind: consumer, broker: broker, queue: b }
  co: { kind: consumer, broker: broker, queue: other }
  users: { kind: load, target: p, rate: 30/s, mix: [{ weight: 1, tags: { type: a } }, { weight: 1, tags: { type: b } }, { weight: 1, tags: { type: c } }] }`;

describe('content-based router', () => {
  it('forwards by header, and sends the rest to otherwise', async () => {
    const r = await runMessaging(system('    otherwise: other'));
    const routed = r.counters('router');
    expect(routed['unroutable']).toBe(0);
    for (const c of ['ca', 'cb', 'co']) expect(r.counters(c)['effects']).toBeGreaterThan(60);
    expect(r.producer('p')).toMatchObject({ lost: 0, deadLettered: 0 });
  });

  it('without otherwise, an unknown kind is rejected (to the dead-letter queue here)', async () => {
    const r = await runMessaging(system(''));
    expect(r.counters('router')['unroutable']).toBeGreaterThan(60);
    expect(r.producer('p').deadLettered).toBe(r.counters('router')['unroutable']);
  });
});
