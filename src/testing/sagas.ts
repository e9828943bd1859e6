/**
 * Test helper: a small saga system — orders through inventory, payment and shipping, with a
 * load placing and reading orders — as YAML components for `runMessaging`. Lines given for
 * `orders`, `inventory` and `payment` are appended to their blocks.
 */
export function sagaSystem(opts: { coordination?: string; orders?: string; inventory?: string; payment?: string; rate?: string } = {}): string {
  return `  broker:
    kind: broker
    queues: { replies: {}, inventory: {}, payment: {}, shipping: {} }
    topics: [events]
  orders:
    kind: saga
    broker: broker
    coordination: ${opts.coordination ?? 'orchestration'}
    replies: replies
    topic: events
    steps:
      - { participant: inventory, state: RESERVED }
      - { participant: payment, state: CHARGED }
      - { participant: shipping, state: SHIPPED }
    stepTimeout: 500ms
${opts.orders ?? ''}
  inventory:
    kind: saga-participant
    broker: broker
    work: 10ms
${opts.inventory ?? ''}
  payment:
    kind: saga-participant
    broker: broker
    work: 20ms
${opts.payment ?? ''}
  shipping: { kind: saga-participant, broker: broker, work: 5ms }
  shoppers:
    kind: load
    target: orders
    rate: ${opts.rate ?? '20/s'}
    stop: 6s
    mix:
      - { weight: 3, tags: { op: place }, key: { name: user, count: 50 } }
      - { weight: 1, tags: { op: read }, key: { name: user, count: 50 } }`;
}

