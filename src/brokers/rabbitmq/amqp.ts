/**
 * Opening AMQP connections with a deadline, and removing queues and exchanges by name:
 * what the broker object, clean() and doctor() share.
 */
import amqp, { type Channel, type ChannelModel } from 'amqplib';
import { BrokerConnectError } from '../real.js';
import type { Kind } from './connection.js';
import { describeError, maskUrl } from './url.js';

/**
 * Connects, or rejects with a BrokerConnectError (URL masked, password scrubbed) once
 * `timeoutMs` has passed: amqplib's own `timeout` covers the TCP connect only, not a peer
 * that accepts and then says nothing.
 */
export async function openAmqp(url: string, timeoutMs: number, name: string): Promise<ChannelModel> {
  let timer: NodeJS.Timeout | undefined;
  const attempt = (async () => amqp.connect(url, { timeout: timeoutMs, clientProperties: { connection_name: name } }))();
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    return await Promise.race([attempt, deadline]);
  } catch (error) {
    // A connection that opens after the deadline is closed at once.
    attempt.then((m) => m.close().catch(() => {}), () => {});
    const detail = describeError(error, url);
    const code = (error as { code?: unknown }).code;
    throw new BrokerConnectError(`cannot connect to RabbitMQ at ${maskUrl(url)}: ${detail}`, Object.assign(new Error(detail), code === undefined ? {} : { code }));
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Deletes each named queue or exchange that exists; returns what it removed as
 * `queue <name>` / `exchange <name>`. A queue that does not exist is not reported.
 */
export async function removeAll(model: ChannelModel, names: readonly { kind: Kind; name: string }[]): Promise<string[]> {
  const removed: string[] = [];
  // Queues first: deleting an exchange leaves its bound queues, and queues are what hold messages.
  const ordered = [...names.filter((n) => n.kind === 'queue'), ...names.filter((n) => n.kind === 'exchange')];
  for (const { kind, name } of ordered) {
    if (!(await present(model, kind, name))) continue;
    const channel = await model.createChannel();
    channel.on('error', () => {});
    if (kind === 'queue') await channel.deleteQueue(name);
    else await channel.deleteExchange(name);
    await channel.close().catch(() => {});
    removed.push(`${kind} ${name}`);
  }
  return removed;
}

async function present(model: ChannelModel, kind: Kind, name: string): Promise<boolean> {
  const channel: Channel = await model.createChannel();
  channel.on('error', () => {});
  try {
    await (kind === 'queue' ? channel.checkQueue(name) : channel.checkExchange(name));
    await channel.close().catch(() => {});
    return true;
  } catch (error) {
    if ((error as { code?: number }).code === 404) return false; // the broker closed the channel
    throw error;
  }
}
