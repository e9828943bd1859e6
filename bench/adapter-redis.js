// The Redis adapter against raw ioredis doing the same job in the same run: how much the
// adapter's bookkeeping (capability checks, the publish script, prefetch accounting, the
// delivery objects, XACK+XDEL in a MULTI) costs. Both sides move the same Message objects,
// serialised with JSON.stringify and parsed on receipt, over separate producer and
// consumer connections, and rounds are interleaved. Skipped (no rows) without a Redis at
// REDIS_URL (default redis://127.0.0.1:6379).
import { connect } from 'node:net';
import { performance } from 'node:perf_hooks';
import { Redis } from 'ioredis';
import { redisAdapter } from '../dist/brokers/redis/adapter.js';
import { runPrefix } from '../dist/brokers/real.js';
import { interleave, row, stats } from './harness.js';

export const name = 'adapter-redis';
export const title = 'Redis adapter vs raw ioredis (messages/s)';

const url = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
/** Messages per round. */
const N = 20_000;
/** Unacked entries a stream consumer may hold, on both sides. */
const PREFETCH = 100;

function message(i) {
  return { id: `m${i}`, headers: { seq: String(i) }, body: { order: i, sku: 'bench-sku', qty: 1 }, size: 120, timestamp: i };
}
const messages = Array.from({ length: N }, (_, i) => message(i));

function reachable() {
  const u = new URL(url);
  return new Promise((resolve) => {
    const socket = connect({ host: u.hostname, port: Number(u.port || 6379), timeout: 1000 });
    const end = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.once('connect', () => end(true));
    socket.once('timeout', () => end(false));
    socket.once('error', () => end(false));
  });
}

const rate = (started) => (N / (performance.now() - started)) * 1000;

function adapterSide(broker) {
  const conn = (client) =>
    new Promise((resolve, reject) => broker.connect(client, { closed() {} }, (e, c) => (c ? resolve(c) : reject(new Error(e.detail)))));
  return {
    async pubsub(topic) {
      const [pub, sub] = [await conn('pub'), await conn('sub')];
      let received = 0;
      let finish;
      sub.subscribe(topic, { name: 'bench', durable: false, prefetch: 1 }, {
        delivery() {
          if (++received === N) finish();
        },
      });
      await new Promise((r) => setTimeout(r, 50)); // the SUBSCRIBE reaches Redis
      return async () => {
        received = 0;
        const done = new Promise((r) => (finish = r));
        const started = performance.now();
        for (const m of messages) pub.publish(topic, m, noop);
        await done;
        return rate(started);
      };
    },
    async streams(queue) {
      const [producer, consumer] = [await conn('producer'), await conn('consumer')];
      let consumed = 0;
      let finish;
      consumer.consume(queue, { prefetch: PREFETCH }, {
        delivery(d) {
          d.ack();
          if (++consumed === N) finish();
        },
      });
      return async () => {
        consumed = 0;
        const done = new Promise((r) => (finish = r));
        const started = performance.now();
        for (const m of messages) producer.send(queue, m, {}, noop);
        await done;
        return rate(started);
      };
    },
  };
}

function rawSide() {
  const clients = [];
  const client = () => {
    const c = new Redis(url);
    clients.push(c);
    return c;
  };
  return {
    async pubsub(channel) {
      const [pub, sub] = [client(), client()];
      let received = 0;
      let finish;
      sub.on('message', (_, payload) => {
        JSON.parse(payload);
        if (++received === N) finish();
      });
      await sub.subscribe(channel);
      return async () => {
        received = 0;
        const done = new Promise((r) => (finish = r));
        const started = performance.now();
        for (const m of messages) pub.publish(channel, JSON.stringify(m)).catch(noop);
        await done;
        return rate(started);
      };
    },
    async streams(key) {
      const [producer, reader, acker] = [client(), client(), client()];
      await producer.call('XGROUP', 'CREATE', key, 'g', '0', 'MKSTREAM');
      let consumed = 0;
      let finish;
      let running = true;
      (async () => {
        while (running) {
          const reply = await reader.xreadgroup('GROUP', 'g', 'c', 'COUNT', PREFETCH, 'BLOCK', 100, 'STREAMS', key, '>');
          for (const [, entries] of reply ?? []) {
            for (const [id, fields] of entries) {
              JSON.parse(fields[1]);
              acker.xack(key, 'g', id).catch(noop);
              if (++consumed === N) finish();
            }
          }
        }
      })().catch(noop);
      return Object.assign(
        async () => {
          consumed = 0;
          const done = new Promise((r) => (finish = r));
          const started = performance.now();
          for (const m of messages) producer.xadd(key, '*', 'm', JSON.stringify(m)).catch(noop);
          await done;
          return rate(started);
        },
        { stop: () => (running = false) },
      );
    },
    close: () => clients.forEach((c) => c.disconnect()),
  };
}

function noop() {}

/** Median of per-round ratios a/b (rounds are interleaved, so round i of each is a pair). */
function pairedRatio(a, b) {
  return stats(a.map((x, i) => x / b[i]));
}

export async function run({ rounds = 7, warmup = 2 } = {}) {
  if (!(await reachable())) {
    process.stderr.write(`  skipped: nothing answers at ${url.replace(/\/\/([^:/@]*):([^@]*)@/, '//$1:***@')} (set REDIS_URL)\n`);
    return [];
  }
  const prefix = runPrefix(`bench-${process.pid}`);
  const broker = await redisAdapter.open(url, { prefix, connectTimeoutMs: 5000 });
  const raw = rawSide();
  try {
    await new Promise((resolve, reject) => broker.declare({ topics: ['events'], queues: { jobs: {} } }, (e) => (e ? reject(new Error(e.detail)) : resolve())));
    const ours = adapterSide(broker);
    const contestants = {
      rawPubsub: await raw.pubsub(`${prefix}raw-events`),
      oursPubsub: await ours.pubsub('events'),
      rawStreams: await raw.streams(`${prefix}raw-jobs`),
      oursStreams: await ours.streams('jobs'),
    };
    const samples = await interleave(contestants, { rounds, warmup });
    contestants.rawStreams.stop();
    return [
      row(name, 'pubsub-raw', 'pub/sub publish→receive, raw ioredis', stats(samples.rawPubsub), 'msgs/s'),
      row(name, 'pubsub-ours', 'pub/sub publish→receive, adapter', stats(samples.oursPubsub), 'msgs/s'),
      row(name, 'pubsub-ratio', 'pub/sub ratio adapter / raw', pairedRatio(samples.oursPubsub, samples.rawPubsub), '×', { atLeast: 0.8 }),
      row(name, 'streams-raw', 'streams XADD→XREADGROUP→XACK, raw ioredis', stats(samples.rawStreams), 'msgs/s'),
      row(name, 'streams-ours', 'streams send→consume→ack, adapter', stats(samples.oursStreams), 'msgs/s'),
      row(name, 'streams-ratio', 'streams ratio adapter / raw', pairedRatio(samples.oursStreams, samples.rawStreams), '×', { atLeast: 0.8 }),
    ];
  } finally {
    await new Promise((r) => setTimeout(r, 200)); // the last acks and the raw reader's block end
    raw.close();
    await broker.dispose();
  }
}
