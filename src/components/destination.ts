import { z } from 'zod';
import type { Capability } from '../brokers/capabilities.js';

/** Where a producer sends or a consumer reads: exactly one of a queue, a topic or a stream. */
export type DestinationKind = 'queue' | 'topic' | 'stream';

export interface Destination {
  kind: DestinationKind;
  name: string;
}

const name = z
  .string({ error: 'expected a name' })
  .regex(/^[a-z][a-z0-9-]*$/, { message: 'queue, topic and stream names are lower case letters, digits and dashes' });

export const destinationFields = {
  queue: name.optional(),
  topic: name.optional(),
  stream: name.optional(),
};

const capabilityOf: Record<DestinationKind, Capability> = { queue: 'queues', topic: 'pub-sub', stream: 'partitions' };

export function destinationOf(cfg: { queue?: string | undefined; topic?: string | undefined; stream?: string | undefined }): Destination {
  if (cfg.queue !== undefined) return { kind: 'queue', name: cfg.queue };
  if (cfg.topic !== undefined) return { kind: 'topic', name: cfg.topic };
  return { kind: 'stream', name: cfg.stream ?? '' };
}

/** For a kind's superRefine: one and only one of queue, topic, stream. */
export function refineOneDestination(
  cfg: { queue?: string | undefined; topic?: string | undefined; stream?: string | undefined },
  ctx: { addIssue(issue: { code: 'custom'; path: (string | number)[]; message: string }): void },
  verb: string,
): void {
  const given = (['queue', 'topic', 'stream'] as const).filter((k) => cfg[k] !== undefined);
  if (given.length === 1) return;
  ctx.addIssue({
    code: 'custom',
    path: given.length > 1 ? [given[1]!] : [],
    message: given.length === 0 ? `say where it ${verb}: queue, topic or stream` : `use one of queue, topic or stream, not ${given.join(' and ')}`,
  });
}

/** What reading or writing a destination asks of the broker, for a kind's `requires`. */
export function destinationNeeds(broker: string, d: Destination): { field: string; of: string; need: string }[] {
  return [
    { field: d.kind, of: broker, need: `capability:${capabilityOf[d.kind]}` },
    { field: d.kind, of: broker, need: `${d.kind}:${d.name}` },
  ];
}
