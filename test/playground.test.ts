import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { bin, cli } from './cli.js';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'patterns-play-'));

describe('the playground without a terminal (built, through a pipe)', () => {
  it('the bare command prints the equivalent run commands and exits 2', async () => {
    const r = await cli([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('the menu needs a terminal');
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toMatch(/^npx patterns run payment-outage +# circuit-breaker: /);
    expect(lines.every((l) => l.startsWith('npx patterns run '))).toBe(true);
  });

  it.each([
    [['explain'], ['resilience', 'circuit-breaker', 'retry']],
    [['explain', 'circuit-breaker'], ['The problem', 'States', 'HALF_OPEN', 'Common mistakes', 'npx patterns run payment-outage']],
    [['explain', 'retry'], ['Knobs and what they trade', 'npx patterns run flaky-network']],
  ])('%j', async (args, texts) => {
    const r = await cli(args);
    expect(r.code).toBe(0);
    for (const t of texts) expect(r.stdout).toContain(t);
  });

  it('explain --json and an unknown pattern', async () => {
    const json = JSON.parse((await cli(['explain', 'timeout', '--json'])).stdout) as { kind: string; card: { problem: string }; scenarios: { name: string }[] };
    expect(json.kind).toBe('card');
    expect(json.scenarios.map((s) => s.name)).toContain('slow-payment');
    const bad = await cli(['explain', 'bulkhed']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('no pattern called "bulkhed"');
  });

  it('--compare prints the variants side by side with deltas and exits 0', async () => {
    const r = await cli(['run', 'payment-outage', '--compare']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/baseline +main +main vs baseline/);
    expect(r.stdout).toMatch(/payment\.calls during outage +✗ 1,006 +✓ 78 +−928 \(−92%\)/);
    expect(r.stdout).toMatch(/expectations held +1\/3 +6\/6/);
  });

  it('--compare --json, and --compare with knobs only some variants have', async () => {
    const r = await cli(['run', 'payment-outage', '--compare', '--json', '--set', 'breaker.openFor=2s', '--set', 'shoppers.rate=20/s']);
    const cmp = JSON.parse(r.stdout) as { variants: { name: string }[]; rows: { label: string; values: unknown[] }[]; notes: string[] };
    expect(cmp.variants.map((v) => v.name)).toEqual(['baseline', 'main']);
    expect(cmp.notes).toEqual(['baseline: breaker.openFor=2s does not apply (its component is not part of it)']);
    const calls = cmp.rows.find((row) => row.label === 'calls')!.values as number[];
    expect(calls[0]).toBe(calls[1]);
    expect(calls[0]).toBeLessThan(1500);
  });

  it.each([
    [['run', 'payment-outage', '--compare', 'main,nope'], 'payment-outage has no variant "nope"'],
    [['run', '--all', '--compare'], '--compare takes one scenario'],
    [['run', 'payment-outage', '--compare', '--baseline'], '--compare chooses the variants itself'],
    [['run', '--replay', 'x.ndjson', '--seed', '3'], '--replay takes the scenario, seed, knobs and variant from the trace; drop --seed'],
    [['run', '--replay', 'missing.ndjson'], 'cannot read missing.ndjson: no such file'],
  ])('%j exits 2: %s', async (args, message) => {
    const r = await cli(args);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('--trace keeps the trace; --replay runs the same run again, knobs included, byte for byte', async () => {
    const dir = tmp();
    const trace = path.join(dir, 'run.ndjson');
    const first = await cli(['run', 'payment-outage', '--ci', '--seed', '11', '--set', 'breaker.openFor=3s', '--trace', trace]);
    expect(first.code).toBe(0);
    const recorded = readFileSync(trace, 'utf8');
    expect(JSON.parse(recorded.split('\n')[0]!)).toMatchObject({ kind: 'run', seed: 11, set: ['breaker.openFor=3s'] });
    const replayed = await cli(['run', '--replay', trace, '--json']);
    expect(replayed.code).toBe(0);
    expect(replayed.stdout).toBe(recorded);
  });

  it('--replay brings back faults injected by hand', async () => {
    const dir = tmp();
    const trace = path.join(dir, 'manual.ndjson');
    const original = (await cli(['run', 'flaky-network', '--json'])).stdout.split('\n');
    // As a watched run would have written it: a fault injected at 30.000501 s for 5 s.
    const start = '{"kind":"fault","t":30000.501,"phase":"start","id":"manual-1","fault":"outage","target":"inventory","description":"down, refusing calls","manual":true,"params":{"mode":"fail"},"forMs":5000}';
    writeFileSync(trace, [original[0], start].join('\n') + '\n');
    const r = await cli(['run', '--replay', trace, '--ci']);
    expect(r.stderr).toContain('faults injected by hand: manual-1 (outage → inventory at 30.001s for 5s)');
    expect(r.stdout).toMatch(/30\.001s {2}inventory +fault manual-1 starts {2}down, refusing calls/);
    expect(r.stdout).toMatch(/35\.001s {2}inventory +fault manual-1 ends/);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('Reproduce: npx patterns run --replay');
  });

  it('`run --json | head`: a reader that goes away early stops the run like Ctrl-C, quietly', async () => {
    const child = spawn(process.execPath, [bin, 'run', 'payment-outage', '--json', '--duration', '10m'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.stdout.once('data', () => child.stdout.destroy());
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(stderr).not.toContain('EPIPE');
    expect(stderr).not.toMatch(/^\s+at /m);
    expect(code).toBe(130);
  });

  it('--report writes one self-contained HTML page', async () => {
    const dir = tmp();
    const report = path.join(dir, 'run.html');
    const r = await cli(['run', 'payment-outage', '--compare', '--report', report]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain(`HTML report: ${report}`);
    const html = readFileSync(report, 'utf8');
    expect(html).not.toMatch(/<script|\bsrc=|\bhref=|url\(|https?:\/\//i);
    expect(html.match(/<section class="run"/g)).toHaveLength(2);
    expect(html).toContain('payment-outage (baseline)');
  });
});
