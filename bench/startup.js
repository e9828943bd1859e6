// Start-up: wall time of spawning the CLI (and bare Node, for reference) until it exits.
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { performance } from 'node:perf_hooks';
import { row, sample } from './harness.js';

export const name = 'startup';
export const title = 'start-up (wall ms per process)';

const root = fileURLToPath(new URL('..', import.meta.url));
const cli = 'bin/patterns.js';

const commands = [
  { id: 'node', label: 'node -e 0 (reference)', args: ['-e', '0'] },
  { id: 'version', label: 'patterns --version', args: [cli, '--version'], target: { atMost: 150 } },
  { id: 'help', label: 'patterns --help', args: [cli, '--help'] },
  { id: 'list', label: 'patterns list', args: [cli, 'list'] },
];

function spawnMs(args) {
  const start = performance.now();
  const r = spawnSync(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, NO_COLOR: '1' } });
  const ms = performance.now() - start;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}: ${r.stderr}`);
  return ms;
}

export async function run({ rounds = 17, warmup = 3 } = {}) {
  const rows = [];
  for (const c of commands) {
    const s = await sample(() => spawnMs(c.args), { rounds, warmup });
    rows.push(row(name, c.id, c.label, s, 'ms', c.target));
  }
  return rows;
}
