import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANSI, cli, normalize, root } from './cli.js';

const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };

describe('patterns CLI (built, through a pipe)', () => {
  it('--version prints the version', async () => {
    const r = await cli(['--version']);
    expect(r).toMatchObject({ code: 0, stdout: `${pkg.version}\n` });
  });

  it.each([['--help'], ['run', '--help'], ['list', '--help']])('%s shows usage with examples', async (...args) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Usage: patterns');
    expect(r.stdout).toContain('Examples:');
  });

  it('runs a scenario to a green verdict with exit 0 and no colour codes', async () => {
    const r = await cli(['run', 'payment-outage', '--ci']);
    expect(r.code).toBe(0);
    expect(r.stdout).not.toMatch(ANSI);
    expect(r.stdout).toContain('breaker   CLOSED → OPEN');
    expect(r.stdout).toContain('All 6 expectations held.');
  });

  it('a pattern name runs its default scenario', async () => {
    const r = await cli(['run', 'circuit-breaker', '--ci']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('circuit-breaker runs its default scenario, payment-outage');
    expect(r.stdout).toContain('payment-outage · ');
  });

  it('a pattern that shares its scenario with others runs the variant that shows it, and says so', async () => {
    const r = await cli(['run', 'refresh-ahead', '--ci']);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain('refresh-ahead runs its default scenario, cache-stampede, as its refresh-ahead variant');
    expect(r.stdout).toContain('cache-stampede (refresh-ahead — ');
  });

  it('a failed expectation exits 1, says which, and how to reproduce it', async () => {
    const r = await cli(['run', 'payment-outage', '--ci', '--baseline']);
    expect(r.code).toBe(1);
    expect(normalize(r.stdout)).toContain('✗ few calls reach payment while it is down');
    expect(r.stdout).toMatch(/payment\.calls = \d+ \(from outage\.start to outage\.end\)\s+expected payment\.calls ≤ 100/);
    expect(r.stdout).toContain('Reproduce: npx patterns run payment-outage --seed 7 --baseline');
  });

  it('--json writes NDJSON only, every line parses, all event kinds present', async () => {
    const r = await cli(['run', 'payment-outage', '--json']);
    expect(r.code).toBe(0);
    const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { kind: string; t: number });
    const kinds = new Set(events.map((e) => e.kind));
    expect([...kinds].sort()).toEqual(['expectation', 'fault', 'metric', 'run', 'summary', 'transition']);
    expect(events[0]!.kind).toBe('run');
    expect(events.at(-1)!.kind).toBe('summary');
    for (let i = 1; i < events.length; i++) expect(events[i]!.t).toBeGreaterThanOrEqual(events[i - 1]!.t);
  });

  it('the same seed gives the same NDJSON, byte for byte; another seed does not', async () => {
    const [a, b, c] = await Promise.all([
      cli(['run', 'flaky-network', '--json', '--seed', '42']),
      cli(['run', 'flaky-network', '--json', '--seed', '42']),
      cli(['run', 'flaky-network', '--json', '--seed', '43']),
    ]);
    expect(a.stdout.length).toBeGreaterThan(1000);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
  });

  it('an undeclared knob exits 2 and lists the valid ones', async () => {
    const r = await cli(['run', 'payment-outage', '--set', 'breaker.bogus=1']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('payment-outage has no knob "breaker.bogus"');
    expect(r.stderr).toContain('breaker.openFor=5s');
    expect(r.stderr).not.toContain('    at ');
  });

  it('a knob set out of range exits 2 with the reason', async () => {
    const r = await cli(['run', 'payment-outage', '--set', 'breaker.probes=0']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('--set breaker.probes=0: out of range: expected between 1 and 1000');
  });

  it('a knob changes the run', async () => {
    const r = await cli(['run', 'payment-outage', '--ci', '--set', 'breaker.openFor=30s']);
    expect(r.stdout).toContain('open for 30s elapsed');
  });

  it.each([
    [['run'], 'which scenario?'],
    [['run', 'paymnt-outage'], 'did you mean "payment-outage"?'],
    [['run', 'payment-outage', '--seed', 'abc'], '--seed abc: expected a whole number'],
    [['run', 'payment-outage', '--speed', '-1'], '--speed -1: expected a positive number'],
    [['run', 'payment-outage', '--duration', 'long'], '--duration long: expected a duration like 250ms'],
    [['run', '--all', 'payment-outage'], 'give scenario names or --all, not both'],
    [['run', 'payment-outage', '--bogus'], "unknown option '--bogus'"],
    [['runn'], "unknown command 'runn'"],
    [['run', 'missing.yaml'], 'no such scenario file: missing.yaml'],
  ])('usage error %j exits 2', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).not.toMatch(/^\s+at /m);
  });

  it('a broken scenario file exits 2 naming file, line, column and field, without a stack trace', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patterns-'));
    const file = path.join(dir, 'broken.yaml');
    const text = readFileSync(path.join(root, 'scenarios/payment-outage.yaml'), 'utf8').replace('openFor: 5s', 'openFr: 5s');
    writeFileSync(file, text);
    const r = await cli(['run', file, '--ci']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(new RegExp(`${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}:\\d+:5: components\\.breaker\\.openFr: unknown field "openFr" \\(did you mean "openFor"\\?\\)`));
    expect(r.stderr).not.toMatch(/^\s+at /m);
    const debug = await cli(['run', file, '--ci', '--debug']);
    expect(debug.stderr).toMatch(/^\s+at /m);
  });

  it('runs a user file by path', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patterns-'));
    const file = path.join(dir, 'mine.yaml');
    writeFileSync(file, readFileSync(path.join(root, 'scenarios/flaky-network.yaml'), 'utf8').replace('name: flaky-network', 'name: my-flaky'));
    const r = await cli(['run', file, '--ci']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('my-flaky');
  });

  it('run --all --ci --junit: a line per scenario and a JUnit report', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patterns-'));
    const report = path.join(dir, 'report.xml');
    const r = await cli(['run', '--all', '--ci', '--junit', report]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines.length).toBeGreaterThanOrEqual(3);
    for (const l of lines) expect(l).toMatch(/^✓ \S+\s+\d+\/\d+ expectations/);
    const xml = readFileSync(report, 'utf8');
    expect(xml).toMatch(/^<\?xml version="1.0" encoding="UTF-8"\?>\n<testsuites name="patterns" tests="\d+" failures="0"/);
    expect(xml).toContain('<testsuite name="payment-outage"');
    expect(xml.match(/<testcase /g)!.length).toBeGreaterThanOrEqual(12);
  });

  it('list and list --json', async () => {
    const human = await cli(['list']);
    expect(human.code).toBe(0);
    expect(human.stdout).toMatch(/payment-outage\s+circuit-breaker\s+60s\s+6\s+Payment goes down/);
    const json = JSON.parse((await cli(['list', '--json'])).stdout) as { scenarios: { name: string }[]; patterns: { name: string }[] };
    expect(json.scenarios.map((s) => s.name)).toContain('payment-outage');
    expect(json.patterns.map((p) => p.name)).toContain('circuit-breaker');
  });

  it.each([
    [{}, false],
    [{ FORCE_COLOR: '1' }, true],
    [{ FORCE_COLOR: '0' }, false],
    [{ NO_COLOR: '1' }, false],
  ])('colour through a pipe with %j: %s', async (env, coloured) => {
    const r = await cli(['run', 'flaky-network', '--ci'], env);
    expect(ANSI.test(r.stdout)).toBe(coloured);
  });

  it('--no-color wins over FORCE_COLOR', async () => {
    const r = await cli(['run', 'flaky-network', '--ci', '--no-color'], { FORCE_COLOR: '1' });
    expect(r.stdout).not.toMatch(ANSI);
  });
});

describe('pipes', () => {
  it('a reader that closes early (| head) ends the run quietly, without a stack trace', async () => {
    const { execFile } = await import('node:child_process');
    const { bin } = await import('./cli.js');
    const stderr = await new Promise<string>((resolve) => {
      execFile('sh', ['-c', `"${process.execPath}" "${bin}" run --all --json | head -1 >/dev/null`], (_e, _out, err) => resolve(err));
    });
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toMatch(/^\s+at /m);
  });
});
