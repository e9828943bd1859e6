import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../core/errors.js';
import { brokersFrom, maskSecrets, maskUrl, parseBrokerList, parseBrokerUrl, splitBrokerList } from './url.js';

describe('parseBrokerUrl', () => {
  it.each([
    ['memory', 'memory', 'memory', 'memory', false, []],
    ['MEMORY', 'memory', 'memory', 'memory', false, []],
    ['redis://localhost', 'redis', 'redis://localhost', 'redis://localhost:6379/0', false, ['localhost:6379']],
    ['redis://:s3cret@10.0.0.5:6380/2', 'redis', 'redis://:***@10.0.0.5:6380/2', 'redis://10.0.0.5:6380/2', false, ['10.0.0.5:6380']],
    ['rediss://user:pw@cache.example.com', 'redis', 'rediss://user:***@cache.example.com', 'redis://cache.example.com:6379/0', true, ['cache.example.com:6379']],
    ['amqp://guest:guest@127.0.0.1', 'rabbitmq', 'amqp://guest:***@127.0.0.1', 'rabbitmq://127.0.0.1:5672/%2F', false, ['127.0.0.1:5672']],
    ['amqps://u:p@mq:5671/prod', 'rabbitmq', 'amqps://u:***@mq:5671/prod', 'rabbitmq://mq:5671/prod', true, ['mq:5671']],
    ['kafka://k1:9092,k2:9093', 'kafka', 'kafka://k1:9092,k2:9093', 'kafka://k1:9092,k2:9093', false, ['k1:9092', 'k2:9093']],
    ['kafka://k2,k1', 'kafka', 'kafka://k2,k1', 'kafka://k1:9092,k2:9092', false, ['k2:9092', 'k1:9092']],
    ['kafka://[::1]:9092', 'kafka', 'kafka://[::1]:9092', 'kafka://::1:9092', false, ['::1:9092']],
    ['amqp://h/%2f', 'rabbitmq', 'amqp://h/%2f', 'rabbitmq://h:5672/%2F', false, ['h:5672']],
    ['redis://h:6379/0', 'redis', 'redis://h:6379/0', 'redis://h:6379/0', false, ['h:6379']],
    ['redis://user@host', 'redis', 'redis://user@host', 'redis://host:6379/0', false, ['host:6379']],
  ])('%s → %s, shown as %s', (text, adapter, display, endpoint, tls, hosts) => {
    const b = parseBrokerUrl(text);
    expect(b).toMatchObject({ adapter, display, endpoint, tls });
    expect(b.hosts.map((h) => `${h.host}:${h.port}`)).toEqual(hosts);
  });

  it('keeps the credentials in url (for the client) and the decoded password for scrubbing', () => {
    const b = parseBrokerUrl('amqp://app:p%40ss@mq');
    expect(b.url).toBe('amqp://app:p%40ss@mq');
    expect(b.password).toBe('p@ss');
  });

  it.each([
    ['foo://x', 'unknown scheme "foo://"', undefined],
    ['reds://x', 'unknown scheme "reds://"', 'did you mean "redis://"?'],
    ['amqq://x', 'unknown scheme "amqq://"', 'did you mean "amqp://"?'],
    ['rabbitmq://x', 'unknown scheme "rabbitmq://"', 'did you mean "amqp://"?'],
    ['kafak://x', 'unknown scheme "kafak://"', 'did you mean "kafka://"?'],
    ['localhost:6379', 'needs a scheme', 'did you mean "redis://localhost:6379"?'],
    ['localhost', 'needs a scheme', undefined],
    ['redis://a,b', 'only kafka:// takes a list of hosts', undefined],
    ['redis://', 'no host', undefined],
    ['redis://h:99999', 'port 99999 is out of range', undefined],
    ['redis://h:port', '"h:port" is not a host[:port]', undefined],
    ['redis://h/cache', 'a Redis database is a number', undefined],
    ['kafka://a:1,', 'no host', undefined],
  ])('%s is a usage error: %s', (text, message, hint) => {
    const error = catchUsage(() => parseBrokerUrl(text));
    expect(error.exitCode).toBe(2);
    expect(error.message).toContain(message);
    if (hint) expect(error.message).toContain(hint);
    expect(error.details.join('\n')).toContain('valid brokers: memory, redis://');
  });

  it('an error never shows the password', () => {
    const error = catchUsage(() => parseBrokerUrl('redsi://:hunter22@h'));
    expect(error.message).toContain('redsi://:***@h');
    expect(error.message).not.toContain('hunter22');
  });

  it('names the source of a bad URL', () => {
    expect(catchUsage(() => brokersFrom(undefined, { PATTERNS_BROKER: 'nope://x' })).message).toMatch(/^PATTERNS_BROKER "nope:\/\/x"/);
  });
});

describe('lists: a new item starts only at scheme:// or memory', () => {
  it.each([
    ['memory', ['memory']],
    ['memory,redis://localhost,amqp://localhost', ['memory', 'redis://localhost', 'amqp://localhost']],
    ['kafka://a:9092,b:9092', ['kafka://a:9092,b:9092']],
    ['kafka://a:9092,b:9092,redis://r', ['kafka://a:9092,b:9092', 'redis://r']],
    ['redis://r, kafka://a,b ,memory', ['redis://r', 'kafka://a,b', 'memory']],
    ['redis://:pa,ss@r', ['redis://:pa,ss@r']],
  ])('%s → %j', (text, items) => {
    expect(splitBrokerList(text)).toEqual(items);
  });

  it('property: any list of valid URLs joined with commas splits back into the same URLs', () => {
    const host = fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/);
    const hostPort = fc.tuple(host, fc.option(fc.integer({ min: 1, max: 65535 }), { nil: undefined })).map(([h, p]) => (p === undefined ? h : `${h}:${p}`));
    // Single commas inside a password are kept; an empty piece (",,") is always an error, so percent-encode those.
    const credentials = fc.option(fc.stringMatching(/^[a-z0-9]{1,6}:[A-Za-z0-9!$*]{1,4}(,[A-Za-z0-9!$*]{1,4})?@$/), { nil: '' });
    const url = fc.oneof(
      fc.constant('memory'),
      fc.tuple(fc.constantFrom('redis', 'rediss', 'amqp', 'amqps'), credentials, hostPort).map(([s, c, h]) => `${s}://${c}${h}`),
      fc.tuple(credentials, fc.array(hostPort, { minLength: 1, maxLength: 3 })).map(([c, hs]) => `kafka://${c}${hs.join(',')}`),
    );
    fc.assert(
      fc.property(fc.array(url, { minLength: 1, maxLength: 5 }), (items) => {
        expect(splitBrokerList(items.join(','))).toEqual(items);
      }),
    );
  });

  it('a comma inside a password survives the split and is masked', () => {
    const [b] = parseBrokerList('redis://:pa,ss@r,memory');
    expect(b).toMatchObject({ password: 'pa,ss', display: 'redis://:***@r' });
  });

  it.each([['redis://a,,amqp://b'], ['memory,'], [',memory']])('%s: an empty item is an error', (text) => {
    expect(catchUsage(() => splitBrokerList(text)).message).toContain('an empty item');
  });

  it('a host after a non-kafka URL is refused, not silently joined', () => {
    expect(() => parseBrokerList('redis://a,b:6379')).toThrow(/only kafka:\/\/ takes a list of hosts/);
  });
});

describe('brokersFrom: flags, then PATTERNS_BROKER, then none', () => {
  it.each<[string[] | undefined, Record<string, string>, string[]]>([
    [undefined, {}, []],
    [undefined, { PATTERNS_BROKER: 'redis://r' }, ['redis://r']],
    [undefined, { PATTERNS_BROKER: '  ' }, []],
    [['amqp://m'], { PATTERNS_BROKER: 'redis://r' }, ['amqp://m']],
    [['memory,redis://r', 'amqp://m'], {}, ['memory', 'redis://r', 'amqp://m']],
    [['redis://localhost', 'redis://:pw@localhost:6379'], {}, ['redis://localhost']],
  ])('flags %j, env %j → %j', (flags, env, urls) => {
    expect(brokersFrom(flags, env).map((b) => b.url)).toEqual(urls);
  });
});

describe('masking', () => {
  it.each([
    ['redis://:secret@host:6379', 'redis://:***@host:6379'],
    ['redis://default:secret@host', 'redis://default:***@host'],
    ['amqp://guest:guest@localhost:5672/%2f', 'amqp://guest:***@localhost:5672/%2f'],
    ['amqp://user:p@ss/w0rd@host/vh', 'amqp://user:***@host/vh'],
    ['amqp://user@host', 'amqp://user@host'],
    ['amqp://user:@host', 'amqp://user:@host'],
    ['redis://host?password=secret&db=1', 'redis://host?password=***&db=1'],
    ['kafka://u:pw@a:9092,b:9092', 'kafka://u:***@a:9092,b:9092'],
    ['memory', 'memory'],
    ['not a url', 'not a url'],
  ])('%s → %s', (url, masked) => {
    expect(maskUrl(url)).toBe(masked);
  });

  it('maskSecrets masks URLs inside text and any known password', () => {
    const text = 'connect to redis://:topsecret@h failed: WRONGPASS for topsecret (amqp://a:b1@c)';
    expect(maskSecrets(text, ['topsecret'])).toBe('connect to redis://:***@h failed: WRONGPASS for *** (amqp://a:***@c)');
  });

  it('property: a masked URL never contains its password', () => {
    const password = fc.stringMatching(/^[A-Za-z0-9!$%^*()_+~-]{4,16}$/);
    fc.assert(
      fc.property(fc.constantFrom('redis', 'rediss', 'amqp', 'amqps', 'kafka'), fc.constantFrom('', 'user'), password, (scheme, user, pw) => {
        const url = `${scheme}://${user}:${pw}@host.example:1234`;
        const b = parseBrokerUrl(url);
        expect(b.display).not.toContain(pw);
        expect(maskSecrets(`failed: ${url}`, [b.password])).not.toContain(pw);
      }),
    );
  });
});

function catchUsage(f: () => unknown): UsageError {
  try {
    f();
  } catch (error) {
    if (error instanceof UsageError) return error;
    throw error;
  }
  throw new Error('expected a UsageError');
}
