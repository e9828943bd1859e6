import { describe, expect, it } from 'vitest';
import { cli, normalize } from './cli.js';

describe('messaging from the command line', () => {
  it('the NDJSON summary carries the message accounting', async () => {
    const r = await cli(['run', 'duplicate-delivery', '--json']);
    expect(r.code).toBe(0);
    const summary = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(summary.kind).toBe('summary');
    expect(summary.messages.producers[0]).toMatchObject({ component: 'sales', lost: 0 });
    expect(summary.messages.groups[0]).toMatchObject({ group: 'invoices', consumers: ['billing'], duplicateEffects: 0 });
  });

  it('a baseline that loses messages says so, with their ids', async () => {
    const r = await cli(['run', 'dual-write', '--ci', '--baseline']);
    expect(r.code).toBe(1);
    const out = normalize(r.stdout);
    expect(out).toMatch(/orders\.lost = \d+ {2}expected orders\.lost = 0/);
    expect(out).toMatch(/^ {2}lost: orders-\d+, /m);
  });

  it('refuses a scenario that needs what the chosen broker lacks (exit 2)', async () => {
    const r = await cli(['run', 'priority-jobs', '--set', 'broker.like=kafka', '--ci']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('a broker like kafka has no queues');
    expect(r.stderr).not.toContain('    at ');
  });
});
