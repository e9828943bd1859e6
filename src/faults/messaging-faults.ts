import { z } from 'zod';
import type { LinkCondition, MessageLink } from '../brokers/link.js';
import { BrokerComponent } from '../components/broker.js';
import { Consumer } from '../components/consumer.js';
import { Producer } from '../components/producer.js';
import type { Component } from '../core/component.js';
import { formatDuration, formatPercent } from '../core/units.js';
import { count, duration, factor, ratio } from '../scenario/fields.js';
import { defineFault } from './kind.js';
import { pausableKinds } from './process-faults.js';

const linkKinds = ['producer', 'consumer', 'content-based-router', 'saga', 'saga-participant', 'read-model'];
/** Kinds whose processes can die and restart: each has `crash(cause, instances?)`. */
const crashKinds = ['producer', 'consumer', 'saga', 'saga-participant', 'read-model', 'cache', 'replicated-store'];

interface Crashable {
  crash(cause: string, instances?: number): () => void;
}

function crashable(target: Component): Crashable {
  if (typeof (target as Partial<Crashable>).crash !== 'function') throw new TypeError(`internal: ${target.name} is a ${target.kind} and cannot crash`);
  return target as Component & Crashable;
}

function only(kinds: readonly string[], what: string) {
  return (c: { kind: string }) => (kinds.includes(c.kind) ? true : `only ${what} can take this fault, and this is a ${c.kind}`);
}

function as<T>(target: Component, type: abstract new (...args: never[]) => T): T {
  if (!(target instanceof type)) throw new TypeError(`internal: ${target.name} is a ${target.kind}`);
  return target;
}

function onLink(target: Component, condition: LinkCondition): () => void {
  const link = (target as Component & { link?: MessageLink }).link;
  if (!link) throw new TypeError(`internal: ${target.name} has no link to a broker`);
  return link.impose(condition);
}

export const crashFault = defineFault({
  kind: 'crash',
  summary: 'the process dies (memory and unacked work lost) and restarts when the fault ends',
  params: z.object({ instances: count({ min: 1, max: 1000 }).optional() }).strict(),
  canTarget: only(crashKinds, 'a process with a connection to a broker (a producer, a consumer, a saga, a saga participant, a read model), a cache, or a replicated store (its primary dies)'),
  apply: (target, p, cause) => crashable(target).crash(cause, p.instances),
  describe: (p) => (p.instances === undefined ? 'crashed' : `${p.instances} instance${p.instances === 1 ? '' : 's'} crashed`),
  presets: [{}],
});

export const slowdownFault = defineFault({
  kind: 'slowdown',
  summary: 'a consumer processes each message slower: multiplied by a factor and/or a fixed time added',
  params: z
    .object({ factor: factor({ min: 0, max: 10_000 }).optional(), add: duration({ max: 3_600_000 }).optional() })
    .strict()
    .refine((p) => p.factor !== undefined || p.add !== undefined, { message: 'say how much slower: factor (e.g. 5) and/or add (e.g. 200ms)' }),
  canTarget: only(['consumer'], 'a consumer'),
  apply: (target, p, cause) => as(target, Consumer).slow({ factor: p.factor ?? 1, add: p.add ?? 0 }, cause),
  describe: (p) => [p.factor !== undefined && `×${p.factor} slower`, p.add !== undefined && `+${formatDuration(p.add)} per message`].filter(Boolean).join(', '),
  presets: [{ factor: 5 }],
});

const onAnyLink = only(linkKinds, 'a component with a link to a broker (a producer, a consumer, a router, a saga or its participants, a read model)');

export const messageDropFault = defineFault({
  kind: 'message-drop',
  summary: 'a share of the messages on the link to or from the broker vanish',
  params: z.object({ rate: ratio() }).strict(),
  canTarget: onAnyLink,
  apply: (target, p) => onLink(target, { drop: p.rate }),
  describe: (p) => `${formatPercent(p.rate)} of messages on the link dropped`,
  presets: [{ rate: '20%' }],
});

export const messageDuplicateFault = defineFault({
  kind: 'message-duplicate',
  summary: 'a share of the messages on the link arrive twice (a retry after a lost acknowledgement)',
  params: z.object({ rate: ratio() }).strict(),
  canTarget: onAnyLink,
  apply: (target, p) => onLink(target, { duplicate: p.rate }),
  describe: (p) => `${formatPercent(p.rate)} of messages on the link arrive twice`,
  presets: [{ rate: '20%' }],
});

export const messageDelayFault = defineFault({
  kind: 'message-delay',
  summary: 'messages on the link take longer',
  params: z.object({ add: duration({ min: 1, max: 3_600_000 }) }).strict(),
  canTarget: onAnyLink,
  apply: (target, p) => onLink(target, { delay: p.add }),
  describe: (p) => `messages on the link delayed by ${formatDuration(p.add)}`,
  presets: [{ add: '500ms' }],
});

export const messageReorderFault = defineFault({
  kind: 'message-reorder',
  summary: 'each message on the link is held back a random time up to `jitter`, so later ones overtake',
  params: z.object({ jitter: duration({ min: 1, max: 3_600_000 }) }).strict(),
  canTarget: onAnyLink,
  apply: (target, p) => onLink(target, { reorder: p.jitter }),
  describe: (p) => `messages on the link reordered (up to ${formatDuration(p.jitter)} apart)`,
  presets: [{ jitter: '200ms' }],
});

/** Coordination components cut off their leader (or lock holder) from everything else. */
interface Isolatable {
  partition(cause: string): () => void;
}

export const partitionFault = defineFault({
  kind: 'partition',
  summary: 'the network is cut: between a producer and the broker (publishes and confirms lost), or around a leader or lock holder (messages held until it heals)',
  params: z.object({}).strict(),
  canTarget: only(['producer', ...pausableKinds], 'a producer, a leader election or a distributed lock'),
  apply: (target, _p, cause) => (pausableKinds.includes(target.kind) ? (target as Component & Isolatable).partition(cause) : onLink(target, { cut: true })),
  describe: () => 'cut off from the network',
});

export const poisonMessageFault = defineFault({
  kind: 'poison-message',
  summary: 'the producer’s next messages can never be processed: every attempt fails',
  params: z.object({ count: count({ min: 1, max: 1_000_000 }).default(1) }).strict(),
  canTarget: only(['producer'], 'a producer'),
  apply: (target, p) => as(target, Producer).poison(p.count),
  describe: (p) => (p.count === 1 ? 'its next message is poison' : `its next ${p.count} messages are poison`),
});

export const brokerUnavailableFault = defineFault({
  kind: 'broker-unavailable',
  summary: 'the broker is down: connections drop, publishes and connects are refused',
  params: z.object({}).strict(),
  canTarget: only(['broker'], 'a broker'),
  apply: (target, _p, cause) => as(target, BrokerComponent).makeUnavailable(cause),
  describe: () => 'unavailable',
});
