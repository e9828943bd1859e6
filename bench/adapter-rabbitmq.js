// The RabbitMQ adapter against raw amqplib, in the same run and on the same kind of queue
// (a quorum queue, what the adapter declares for a plain queue): publish with publisher
// confirms, and consume with manual acks (prefetch 100). Skipped, with a note, when no
// RabbitMQ answers at AMQP_URL (default amqp://guest:guest@127.0.0.1:5672).
import amqp from 'amqplib';
import { randomBytes } from 'node:crypto';
import { rabbitmqAdapter } from '../dist/brokers/rabbitmq/adapter.js';
import { runPrefix } from '../dist/brokers/real.js';
import { interleave, row, stats } from './harness.js';

export const name = 'adapter-rabbitmq';
export const title = 'RabbitMQ adapter vs raw amqplib (messages/s)';

const N = 10_000;
const PREFETCH = 100;
const quorum = { durable: true, arguments: { 'x-queue-type': 'quorum' } };

const message = (i) => ({ id: `m${i}`, headers: { seq: String(i) }, body: { i }, size: 32, timestamp: i });
const rawContent = (i) => ({ content: Buffer.from(JSON.stringify({ i })), options: { messageId: `m${i}`, persistent: true, headers: { seq: String(i) }, contentType: 'application/json' } });
// What the adapter puts on the wire for the same message: the interface's size and timestamp
// as headers, and `mandatory` (so a send to a missing queue is an error, not a silent drop).
const rawContentAsAdapter = (i) => {
  const { content, options } = rawContent(i);
  return { content, options: { ...options, mandatory: true, headers: { ...options.headers, 'x-patterns-size': 32, 'x-patterns-ts': i } } };
};

function pairedRatio(a, b) {
  return stats(a.map((x, i) => x / b[i]));
}

const cb = (fn) => new Promise((resolve, reject) => fn((e, v) => (e ? reject(new Error(e.detail ?? String(e))) : resolve(v))));

export async function run({ rounds = 7, warmup = 2 } = {}) {
  const url = process.env.AMQP_URL ?? 'amqp://guest:guest@127.0.0.1:5672';
  const prefix = runPrefix(`bench-${randomBytes(3).toString('hex')}`);
  let broker;
  try {
    broker = await rabbitmqAdapter.open(url, { prefix, connectTimeoutMs: 3000, clientName: 'patterns-bench' });
  } catch (error) {
    process.stderr.write(`  skipped: ${error.message}\n`);
    return [];
  }
  const raw = await amqp.connect(url);
  const rawPub = await raw.createConfirmChannel();
  const rawAdmin = await raw.createChannel();
  const rawQueue = `${prefix}raw`;
  await rawAdmin.assertQueue(rawQueue, quorum);
  const rawSameQueue = `${prefix}raw-same`;
  await rawAdmin.assertQueue(rawSameQueue, quorum);
  await cb((done) => broker.declare({ queues: { ours: {} } }, done));
  const conn = await cb((done) => broker.connect('bench', { closed() {} }, done));

  // Throughput is the figure; this process's CPU time per message is kept beside it, since on
  // a busy machine it varies far less than wall time and shows the adapter's own cost.
  const cpu = { publishRaw: [], publishRawSame: [], publishOurs: [], consumeRaw: [], consumeOurs: [] };
  let current;
  const timed = async (work) => {
    const c0 = process.cpuUsage();
    const start = performance.now();
    await work();
    const elapsed = performance.now() - start;
    const c = process.cpuUsage(c0);
    cpu[current].push((c.user + c.system) / N);
    return (N / elapsed) * 1000;
  };
  const as = (name, round) => () => {
    current = name;
    return round();
  };

  // Publish N, each with its own confirm; done when every confirm is in.
  const publishRaw = () =>
    timed(
      () =>
        new Promise((resolve, reject) => {
          let left = N;
          for (let i = 0; i < N; i++) {
            const { content, options } = rawContent(i);
            rawPub.sendToQueue(rawQueue, content, options, (e) => (e ? reject(e) : --left === 0 && resolve()));
          }
        }),
    );
  // The same, carrying what the adapter carries; purged after each round (nobody consumes it).
  const publishRawSame = async () => {
    const rate = await timed(
      () =>
        new Promise((resolve, reject) => {
          let left = N;
          for (let i = 0; i < N; i++) {
            const { content, options } = rawContentAsAdapter(i);
            rawPub.sendToQueue(rawSameQueue, content, options, (e) => (e ? reject(e) : --left === 0 && resolve()));
          }
        }),
    );
    await rawAdmin.purgeQueue(rawSameQueue);
    return rate;
  };
  const publishOurs = () =>
    timed(
      () =>
        new Promise((resolve, reject) => {
          let left = N;
          for (let i = 0; i < N; i++) conn.send('ours', message(i), {}, (e) => (e ? reject(new Error(e.detail)) : --left === 0 && resolve()));
        }),
    );

  // Consume the N published by the matching publish round, acking each one.
  const consumeRaw = async () => {
    const ch = await raw.createChannel();
    await ch.prefetch(PREFETCH);
    let got = 0;
    let resolve;
    const all = new Promise((r) => (resolve = r));
    const rate = await timed(async () => {
      await ch.consume(rawQueue, (m) => {
        JSON.parse(m.content.toString()); // the adapter decodes the body too
        ch.ack(m);
        if (++got === N) resolve();
      });
      await all;
    });
    await ch.close();
    return rate;
  };
  const consumeOurs = async () => {
    let got = 0;
    let resolve;
    const all = new Promise((r) => (resolve = r));
    let sub;
    const rate = await timed(async () => {
      sub = conn.consume('ours', { prefetch: PREFETCH }, {
        delivery(d) {
          d.ack();
          if (++got === N) resolve();
        },
      });
      await all;
    });
    sub.cancel();
    return rate;
  };

  let samples;
  try {
    samples = await interleave(
      {
        publishRaw: as('publishRaw', publishRaw),
        publishRawSame: as('publishRawSame', publishRawSame),
        publishOurs: as('publishOurs', publishOurs),
        consumeRaw: as('consumeRaw', consumeRaw),
        consumeOurs: as('consumeOurs', consumeOurs),
      },
      { rounds, warmup },
    );
  } finally {
    await rawAdmin.deleteQueue(rawQueue).catch(() => {});
    await rawAdmin.deleteQueue(rawSameQueue).catch(() => {});
    await raw.close().catch(() => {});
    await broker.dispose().catch(() => {});
  }
  return [
    row(name, 'publish-raw', `raw amqplib: sendToQueue + confirm (${N} msgs)`, stats(samples.publishRaw), 'msgs/s'),
    row(name, 'publish-raw-same', `raw amqplib, the adapter's headers + mandatory (${N} msgs)`, stats(samples.publishRawSame), 'msgs/s'),
    row(name, 'publish-ours', `adapter: send + confirm (${N} msgs)`, stats(samples.publishOurs), 'msgs/s'),
    row(name, 'consume-raw', `raw amqplib: consume + ack, prefetch ${PREFETCH}`, stats(samples.consumeRaw), 'msgs/s'),
    row(name, 'consume-ours', `adapter: consume + ack, prefetch ${PREFETCH}`, stats(samples.consumeOurs), 'msgs/s'),
    row(name, 'ratio-publish', 'ratio adapter / raw, publish with confirms', pairedRatio(samples.publishOurs, samples.publishRaw), '×', { atLeast: 0.8 }),
    row(name, 'ratio-publish-same', "ratio adapter / raw with the adapter's headers", pairedRatio(samples.publishOurs, samples.publishRawSame), '×'),
    row(name, 'ratio-consume', 'ratio adapter / raw, consume with acks', pairedRatio(samples.consumeOurs, samples.consumeRaw), '×', { atLeast: 0.8 }),
    row(name, 'cpu-publish-raw', 'client CPU per message, raw publish', stats(cpu.publishRaw), 'µs'),
    row(name, 'cpu-publish-raw-same', "client CPU per message, raw publish with the adapter's headers", stats(cpu.publishRawSame), 'µs'),
    row(name, 'cpu-publish-ours', 'client CPU per message, adapter publish', stats(cpu.publishOurs), 'µs'),
    row(name, 'cpu-consume-raw', 'client CPU per message, raw consume', stats(cpu.consumeRaw), 'µs'),
    row(name, 'cpu-consume-ours', 'client CPU per message, adapter consume', stats(cpu.consumeOurs), 'µs'),
  ];
}
