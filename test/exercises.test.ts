import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { bin, cli, normalize, root } from './cli.js';

const templates = path.join(root, 'templates');
const templateFolders = () => readdirSync(templates).filter((n) => existsSync(path.join(templates, n, 'template.yaml'))).sort();
const progressOf = (dir: string) => JSON.parse(readFileSync(path.join(dir, '.patterns', 'progress.json'), 'utf8')) as { exercises: Record<string, { pattern: string; passedAt: string | null; hints: number }> };

/** A fresh working directory with one exercise made by `patterns new`. */
async function workspace(name = 'my-breaker', pattern = 'circuit-breaker'): Promise<string> {
  const dir = mkdtempSync(path.join(tmpdir(), 'patterns-ex-'));
  const r = await cli(['new', name, '--pattern', pattern], {}, dir);
  expect(r.code).toBe(0);
  return dir;
}

function learner(dir: string, name: string, code: string): void {
  writeFileSync(path.join(dir, 'exercises', name, 'starter.ts'), code);
}

describe('help', () => {
  it.each([['new'], ['check'], ['hint']])('%s --help shows usage with examples', async (command) => {
    const r = await cli([command, '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`Usage: patterns ${command}`);
    expect(r.stdout).toContain('Examples:');
  });
});

describe('patterns new', () => {
  it('copies the template, names the scenario after the exercise, and says what to run next', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patterns-ex-'));
    const r = await cli(['new', 'my-breaker', '--pattern', 'circuit-breaker'], {}, dir);
    expect(r.code).toBe(0);
    for (const f of ['README.md', 'contract.ts', 'scenario.yaml', 'starter.ts', 'package.json']) {
      expect(r.stdout).toContain(`created exercises/my-breaker/${f}`);
      expect(existsSync(path.join(dir, 'exercises', 'my-breaker', f))).toBe(true);
    }
    expect(readdirSync(path.join(dir, 'exercises', 'my-breaker')).sort()).toEqual(['README.md', 'contract.ts', 'package.json', 'scenario.yaml', 'starter.ts']);
    expect(r.stdout).toContain('Next: npx patterns check my-breaker');
    const scenario = readFileSync(path.join(dir, 'exercises', 'my-breaker', 'scenario.yaml'), 'utf8');
    expect(scenario).toMatch(/^name: my-breaker$/m);
    expect(scenario).toContain('implementation: ./starter.ts   # your code');
    expect(readFileSync(path.join(dir, 'exercises', 'my-breaker', 'README.md'), 'utf8')).toContain('npx patterns check my-breaker');
    expect(progressOf(dir).exercises['my-breaker']).toEqual({ pattern: 'circuit-breaker', passedAt: null, hints: 0 });
  });

  it('refuses to overwrite without --force, and leaves the learner’s code alone', async () => {
    const dir = await workspace();
    learner(dir, 'my-breaker', '// my work\n');
    const r = await cli(['new', 'my-breaker', '--pattern', 'circuit-breaker'], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('exercises/my-breaker already exists');
    expect(r.stderr).toContain('--force');
    expect(readFileSync(path.join(dir, 'exercises', 'my-breaker', 'starter.ts'), 'utf8')).toBe('// my work\n');
    const forced = await cli(['new', 'my-breaker', '--pattern', 'circuit-breaker', '--force'], {}, dir);
    expect(forced.code).toBe(0);
    expect(readFileSync(path.join(dir, 'exercises', 'my-breaker', 'starter.ts'), 'utf8')).toContain('TODO');
  });

  it.each([
    ['../escape', 'a name cannot contain a slash'],
    ['a/b', 'a name cannot contain a slash'],
    ['/tmp/abs', 'an absolute path is not a name'],
    ['..', 'a name cannot contain ".."'],
    ['my breaker', 'a name cannot contain spaces'],
    ['MyBreaker', 'use lower-case letters'],
    ['scenario', 'which scenario?'],
  ])('refuses the name %j with exit 2 and writes nothing', async (name, why) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patterns-ex-'));
    const r = await cli(['new', name, '--pattern', 'circuit-breaker'], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(why);
    expect(r.stderr).not.toContain('    at ');
    expect(readdirSync(dir)).toEqual([]);
  });

  it.each([
    ['nonsense', 'unknown pattern "nonsense"'],
    ['circuit-braker', 'did you mean "circuit-breaker"?'],
    ['timeout', 'timeout has no exercise template yet'],
  ])('refuses the pattern %s with exit 2 and lists the templates', async (pattern, message) => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patterns-ex-'));
    const r = await cli(['new', 'x', '--pattern', pattern], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
    expect(r.stderr).toContain(`templates: ${templateFolders().join(', ')}`);
    expect(readdirSync(dir)).toEqual([]);
  });

  it('lists in its help exactly the templates there are', async () => {
    const r = await cli(['new', '--help']);
    expect(r.stdout).toContain(`Templates: ${templateFolders().join(', ')} (docs/exercises.md)`);
    expect(templateFolders()).toEqual(expect.arrayContaining(['bulkhead', 'circuit-breaker', 'leaky-bucket', 'retry', 'token-bucket']));
  });

  it('scaffolds a catalogue scenario that validates and runs', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'patterns-ex-'));
    const r = await cli(['new', 'scenario', 'flaky-cache', '--pattern', 'retry'], {}, dir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('created scenarios/flaky-cache.yaml');
    expect(r.stdout).toContain('npx patterns run scenarios/flaky-cache.yaml --ci --baseline');
    const text = readFileSync(path.join(dir, 'scenarios', 'flaky-cache.yaml'), 'utf8');
    expect(text).toMatch(/^name: flaky-cache$/m);
    expect(text).toContain('started from flaky-network.yaml');
    const run = await cli(['run', 'scenarios/flaky-cache.yaml', '--ci'], {}, dir);
    expect(run.code).toBe(0);
    const again = await cli(['new', 'scenario', 'flaky-cache', '--pattern', 'retry'], {}, dir);
    expect(again.code).toBe(2);
    const clash = await cli(['new', 'scenario', 'payment-outage', '--pattern', 'circuit-breaker'], {}, dir);
    expect(clash.code).toBe(2);
    expect(clash.stderr).toContain('the catalogue already has a scenario called payment-outage');
  });
});

describe('patterns check', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await workspace();
  });

  it('fails the untouched starter: each expectation yours vs expected vs built-in, and the first difference', async () => {
    const r = await cli(['check', 'my-breaker'], {}, dir);
    expect(r.code).toBe(1);
    const out = normalize(r.stdout);
    expect(out).toContain('seed 7   ✗ 3 of 6 expectations failed');
    expect(out).toMatch(/✗ the breaker opens within 2 s of payment going down\n\s+yours\s+never reached OPEN \(ended CLOSED\)\n\s+expected\s+OPEN within 2s of outage.start\n\s+built-in\s+OPEN 1.05s after outage.start/);
    expect(out).toContain('first difference from the built-in circuit-breaker (after 1 step in common)');
    expect(out).toMatch(/built-in\s+16\.046s {2}breaker {2}CLOSED → OPEN {2}5 consecutive failures \(threshold 5\)/);
    expect(out).toContain('seed 8   ✗ 3 of 6 expectations failed (the same as seed 7)');
    expect(out).toContain('next: edit exercises/my-breaker/starter.ts, then npx patterns check my-breaker');
    expect(out).toContain('stuck? npx patterns hint my-breaker');
    expect(progressOf(dir).exercises['my-breaker']!.passedAt).toBeNull();
  });

  it('passes the reference solution, says it matches the built-in, and records the pass', async () => {
    const d = await workspace('solved');
    learner(d, 'solved', readFileSync(path.join(templates, 'circuit-breaker', 'solution.ts'), 'utf8'));
    const r = await cli(['check', 'solved'], {}, d);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('seed 9   ✓ all 6 expectations held · the same 11 steps as the built-in circuit-breaker');
    expect(r.stdout).toContain('✓ solved passes: every expectation held under seeds 7, 8, 9.');
    expect(progressOf(d).exercises['solved']!.passedAt).toMatch(/^\d{4}-\d\d-\d\dT/);
    // `run` on an exercise folder is the same check.
    const viaRun = await cli(['run', 'exercises/solved', '--seed', '42'], {}, d);
    expect(viaRun.code).toBe(0);
    expect(viaRun.stdout).toContain('seed 42');
  });

  it('writes the result as JSON', async () => {
    const r = await cli(['check', 'my-breaker', '--json', '--seeds', '2'], {}, dir);
    expect(r.code).toBe(1);
    const outcome = JSON.parse(r.stdout) as { exercises: { passed: boolean; seeds: number[]; results: { seed: number; divergence?: unknown }[] }[] };
    expect(outcome.exercises[0]!.passed).toBe(false);
    expect(outcome.exercises[0]!.results.map((x) => x.seed)).toEqual([7, 8]);
    expect(outcome.exercises[0]!.results[0]!.divergence).toBeDefined();
  });

  it('shows a throw with its stack in the learner’s file', async () => {
    const d = await workspace('throws');
    learner(
      d,
      'throws',
      `import type { Breaker } from './contract.js';
export default function create(): Breaker {
  let failures = 0;
  return {
    state: 'CLOSED',
    tryAcquire: () => true,
    onSuccess() {},
    onFailure(now: number) {
      failures++;
      const seen: number[] | undefined = failures > 3 ? undefined : [];
      seen!.push(now);
    },
  };
}
`,
    );
    const r = await cli(['check', 'throws', '--seed', '7'], {}, d);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/seed 7 +✗ your code threw in onFailure at \d+\.\d{3}s/);
    expect(r.stdout).toContain("TypeError: Cannot read properties of undefined (reading 'push')");
    expect(r.stdout).toContain('at Object.onFailure (exercises/throws/starter.ts:11:13)');
  });

  it('stops code that never returns, within the bound, with a stack into the loop', async () => {
    const d = await workspace('loops');
    learner(
      d,
      'loops',
      `import type { Breaker } from './contract.js';
export default function create(): Breaker {
  return {
    state: 'CLOSED',
    tryAcquire(now: number) {
      let t = now;
      while (t >= now) t = now + 1;
      return true;
    },
    onSuccess() {},
    onFailure() {},
  };
}
`,
    );
    const r = await cli(['check', 'loops', '--timeout', '1s'], {}, d);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/seed 7 +✗ stopped: your code did not return in tryAcquire at \d+\.\d{3}s/);
    expect(r.stdout).toContain('tryAcquire did not return within 1s: an endless loop?');
    expect(r.stdout).toMatch(/at tryAcquire \(exercises\/loops\/starter\.ts:7:\d+\)/);
  });

  it('reports a create() whose promise never settles', async () => {
    const d = await workspace('never');
    learner(d, 'never', `export default async function create() { await new Promise(() => {}); }\n`);
    const r = await cli(['check', 'never', '--seed', '7', '--timeout', '2s'], {}, d);
    expect(r.code).toBe(1);
    // The worker notices first (nothing left to run), or the watchdog does: either way, named.
    expect(r.stdout).toMatch(/your default export (returned|did not finish within 2s:) a promise that never settle/);
  });

  it('catches real time and chance in the source and at run time, with the line', async () => {
    const d = await workspace('clock', 'retry');
    learner(
      d,
      'clock',
      `import type { RetryPolicy } from './contract.js';
export default function create(): RetryPolicy {
  return {
    shouldRetry: (attempt) => attempt < 4,
    nextDelay: (retry) => Math.random() * 100 * retry,
  };
}
`,
    );
    const r = await cli(['check', 'clock', '--seed', '3'], {}, d);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('✗ breaks the one invariant');
    expect(r.stdout).toContain('exercises/clock/starter.ts:5:27  Math.random — use the `random` argument');
    expect(r.stdout).toContain('your code read real time or chance in nextDelay');
    expect(r.stdout).toContain('Math.random() is off limits in exercise code: chance comes in as the `random` argument');
    expect(r.stdout).toMatch(/at Object\.nextDelay \(exercises\/clock\/starter\.ts:5:\d+\)/);
  });

  it.each([
    [['check', 'nope'], 'no exercise "nope" in exercises/'],
    [['check', 'my-breakr'], 'did you mean "my-breaker"?'],
    [['check', 'my-breaker', '--seeds', '0'], '--seeds 0: expected how many seeds to try'],
    [['check', 'my-breaker', '--timeout', 'forever'], '--timeout forever: expected a time'],
  ])('%j exits 2 with a reason', async (args, message) => {
    const r = await cli(args, {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(message);
  });

  it('a broken exercise scenario is a scenario error with its line', async () => {
    const d = await workspace('broken');
    const file = path.join(d, 'exercises', 'broken', 'scenario.yaml');
    writeFileSync(file, readFileSync(file, 'utf8').replace('implementation: ./starter.ts', 'implementation: ./missing.ts'));
    const r = await cli(['check', 'broken'], {}, d);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/scenario\.yaml:\d+:\d+: components\.breaker\.implementation: no such file: missing\.ts/);
  });

  it('run refuses an exercise scenario among others: only check runs learner code', async () => {
    const r = await cli(['run', 'payment-outage', 'exercises/my-breaker/scenario.yaml', '--ci'], {}, dir);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('runs your own code (implementation:), which only patterns check runs');
  });
});

describe('patterns hint', () => {
  it('shows one more hint per call and counts them in progress', async () => {
    const dir = await workspace();
    const first = await cli(['hint', 'my-breaker'], {}, dir);
    expect(first.code).toBe(0);
    expect(first.stdout).toContain('hint 1 of 5 · my-breaker (circuit-breaker) · Three states, three answers');
    expect(first.stdout).toContain('Still stuck? npx patterns hint my-breaker (hint 2 of 5).');
    const second = await cli(['hint', 'my-breaker'], {}, dir);
    expect(second.stdout).toContain('hint 2 of 5');
    expect(progressOf(dir).exercises['my-breaker']!.hints).toBe(2);
    const all = await cli(['hint', 'my-breaker', '--all'], {}, dir);
    expect(all.stdout).toContain('hint 1 of 5');
    expect(all.stdout).toContain('hint 2 of 5');
    expect(progressOf(dir).exercises['my-breaker']!.hints).toBe(2);
    for (let i = 3; i <= 5; i++) await cli(['hint', 'my-breaker'], {}, dir);
    const done = await cli(['hint', 'my-breaker'], {}, dir);
    expect(done.stdout).toContain('That is all 5 hints. The reference solution, if you want to compare:');
    const check = await cli(['check', 'my-breaker', '--seed', '7'], {}, dir);
    expect(check.stdout).toContain('(all 5 hints seen)');
  });
});

describe('patterns check --watch', () => {
  it('re-runs on save and stops cleanly on Ctrl-C', async () => {
    const dir = await workspace();
    const child = spawn(process.execPath, [bin, 'check', 'my-breaker', '--watch', '--seed', '7'], { cwd: dir, env: { ...process.env, NO_COLOR: '1' } });
    let stdout = '';
    let stderr = '';
    let waiter: { n: number; resolve: () => void } | undefined;
    const times = () => stderr.split('watching exercises/my-breaker').length - 1;
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
      if (waiter && times() >= waiter.n) waiter.resolve();
    });
    const watching = (n: number) => new Promise<void>((resolve) => (times() >= n ? resolve() : (waiter = { n, resolve })));
    await watching(1);
    expect(stdout).toContain('seed 7   ✗ 3 of 6 expectations failed');
    learner(dir, 'my-breaker', readFileSync(path.join(templates, 'circuit-breaker', 'solution.ts'), 'utf8'));
    await watching(2);
    expect(stdout).toContain('✓ my-breaker passes');
    const code = await new Promise<number | null>((resolve) => {
      child.on('exit', (c) => resolve(c));
      child.kill('SIGINT');
    });
    expect(code).toBe(130);
  });
});
