/**
 * Which real brokers the tests may use. Redis and RabbitMQ run on this project's machines
 * and CI (`.ci/run` sets PATTERNS_REQUIRE_BROKERS=1, so there a missing broker is a failure);
 * on a machine without them the broker tests skip with a message saying so. Kafka runs
 * only when KAFKA_BROKERS is set (no broker can be installed on the project's machines).
 */
import { maskUrl, parseBrokerUrl } from '../brokers/url.js';
import { probe } from '../commands/broker/connect.js';

export type TestBroker = 'redis' | 'rabbitmq' | 'kafka';

const required = !!process.env['PATTERNS_REQUIRE_BROKERS'];

export const testBrokerUrls: Record<TestBroker, string | undefined> = {
  redis: process.env['REDIS_URL'] ?? 'redis://127.0.0.1:6379',
  rabbitmq: process.env['AMQP_URL'] ?? 'amqp://guest:guest@127.0.0.1:5672',
  kafka: process.env['KAFKA_BROKERS'] ? `kafka://${process.env['KAFKA_BROKERS']}` : undefined,
};

/** The same TCP probe the CLI makes before it loads an adapter. */
async function reachable(url: string): Promise<boolean> {
  return probe(parseBrokerUrl(url).hosts, 1000).then(
    () => true,
    () => false,
  );
}

/**
 * The URL of a broker the tests can use, or undefined (tests skip) after printing why.
 * Throws when PATTERNS_REQUIRE_BROKERS is set and Redis or RabbitMQ is not reachable.
 */
export async function testBroker(name: TestBroker, file: string): Promise<string | undefined> {
  const url = testBrokerUrls[name];
  if (url === undefined) {
    console.warn(`${file}: kafka tests skipped: set KAFKA_BROKERS=host:port to run them against a real Kafka`);
    return undefined;
  }
  if (await reachable(url)) return url;
  if (required && name !== 'kafka') {
    throw new Error(`PATTERNS_REQUIRE_BROKERS is set but ${name} is not reachable at ${maskUrl(url)}`);
  }
  console.warn(`${file}: ${name} tests skipped: nothing answers at ${maskUrl(url)} (start it, or set ${name === 'redis' ? 'REDIS_URL' : name === 'rabbitmq' ? 'AMQP_URL' : 'KAFKA_BROKERS'}); set PATTERNS_REQUIRE_BROKERS=1 to make this an error`);
  return undefined;
}
