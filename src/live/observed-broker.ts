/**
 * A real broker seen through the run's eyes. The memory broker tells the run what it
 * accepted, delivered and holds; a real one does not, so this wrapper watches the same
 * things from the client side: a confirm without error is "accepted", a delivery (count
 * > 1: a redelivery) is "delivered", an ack or a commit is "acked". What it has confirmed
 * and not yet seen acked it counts as held by the broker, so the ledger settles such a
 * message as pending, not lost. (A topic's copies share one id: the first ack of any copy
 * ends "held" for all of them — an approximation on the side of "handled".)
 */
import type { Broker, Connection, Delivery, DeliveryListener, Message, StreamListener } from '../brokers/broker.js';

export type ObservedEvent =
  | { type: 'accepted'; id: string; destination: string }
  | { type: 'refused' }
  | { type: 'delivered'; id: string; count: number }
  | { type: 'acked'; id: string }
  | { type: 'returned'; id: string }
  | { type: 'rejected'; id: string };

export class ObservedBroker implements Broker {
  /** Confirmed by the broker, not yet acked (or committed, or rejected) by anyone. */
  private readonly held = new Map<string, string>();

  constructor(
    private readonly inner: Broker,
    private readonly observer: (event: ObservedEvent) => void,
  ) {}

  get adapter(): string {
    return this.inner.adapter;
  }

  get capabilities() {
    return this.inner.capabilities;
  }

  /** Ids the broker holds as far as this run has seen, with their destination. */
  *holding(): IterableIterator<{ id: string }> {
    for (const id of this.held.keys()) yield { id };
  }

  get heldCount(): number {
    return this.held.size;
  }

  declare: Broker['declare'] = (topology, done) => this.inner.declare(topology, done);

  connect: Broker['connect'] = (client, events, done) => {
    this.inner.connect(client, events, (error, connection) => done(error, connection ? this.wrap(connection) : undefined));
  };

  private wrap(c: Connection): Connection {
    const emit = this.observer;
    const held = this.held;
    const confirmed = (message: Message, destination: string) => (error?: unknown) => {
      if (error) emit({ type: 'refused' });
      else {
        held.set(message.id, destination);
        emit({ type: 'accepted', id: message.id, destination });
      }
    };
    const watch = (listener: DeliveryListener): DeliveryListener => ({
      delivery: (d) => {
        emit({ type: 'delivered', id: d.message.id, count: d.deliveryCount });
        listener.delivery(observedDelivery(d, emit, held));
      },
    });
    return {
      get open() {
        return c.open;
      },
      publish: (topic, message, confirm) =>
        c.publish(topic, message, (error) => {
          confirmed(message, topic)(error);
          confirm(error);
        }),
      send: (queue, message, options, confirm) =>
        c.send(queue, message, options, (error) => {
          confirmed(message, queue)(error);
          confirm(error);
        }),
      append: (stream, message, options, confirm) =>
        c.append(stream, message, options, (error, at) => {
          confirmed(message, stream)(error);
          confirm(error, at);
        }),
      consume: (queue, options, listener) => c.consume(queue, options, watch(listener)),
      subscribe: (topic, options, listener) => c.subscribe(topic, options, watch(listener)),
      join: (stream, options, listener): ReturnType<Connection['join']> =>
        c.join(stream, options, {
          assigned: (ps) => listener.assigned(ps),
          revoked: (ps) => listener.revoked(ps),
          record: (r) => {
            emit({ type: 'delivered', id: r.message.id, count: 1 });
            listener.record({
              message: r.message,
              stream: r.stream,
              partition: r.partition,
              offset: r.offset,
              commit: () => {
                held.delete(r.message.id);
                emit({ type: 'acked', id: r.message.id });
                r.commit();
              },
            });
          },
        } satisfies StreamListener),
      close: (how) => c.close(how),
    };
  }
}

function observedDelivery(d: Delivery, emit: (e: ObservedEvent) => void, held: Map<string, string>): Delivery {
  const id = d.message.id;
  return {
    message: d.message,
    source: d.source,
    deliveryCount: d.deliveryCount,
    ack: () => {
      held.delete(id);
      emit({ type: 'acked', id });
      d.ack();
    },
    nack: (requeue = true) => {
      if (!requeue) held.delete(id);
      emit({ type: requeue ? 'returned' : 'rejected', id });
      d.nack(requeue);
    },
    reject: () => {
      held.delete(id);
      emit({ type: 'rejected', id });
      d.reject();
    },
  };
}
