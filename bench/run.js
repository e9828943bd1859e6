#!/usr/bin/env node
// Runs the benchmarks and prints medians against their targets ("target, not test": a missed
// target is reported, never fails the run).
//   node bench/run.js                 all benchmarks, as a table
//   node bench/run.js kernel breaker  only those
//   node bench/run.js --json          machine-readable output on stdout
import os from 'node:os';
import * as adapterRabbitmq from './adapter-rabbitmq.js';
import * as adapterRedis from './adapter-redis.js';
import * as breaker from './breaker.js';
import * as kernel from './kernel.js';
import * as scenarios from './scenarios.js';
import * as startup from './startup.js';

const benchmarks = [breaker, kernel, scenarios, startup, adapterRabbitmq, adapterRedis];

const args = process.argv.slice(2);
const json = args.includes('--json');
const names = args.filter((a) => !a.startsWith('-'));
const unknown = names.filter((n) => !benchmarks.some((b) => b.name === n));
if (args.includes('--help') || args.includes('-h') || unknown.length > 0) {
  if (unknown.length > 0) process.stderr.write(`unknown benchmark: ${unknown.join(', ')}\n`);
  process.stderr.write(`usage: node bench/run.js [--json] [${benchmarks.map((b) => b.name).join('|')} ...]\n`);
  process.exit(unknown.length > 0 ? 2 : 0);
}
const chosen = names.length > 0 ? benchmarks.filter((b) => names.includes(b.name)) : benchmarks;

const machine = {
  node: process.version,
  platform: `${process.platform} ${process.arch}`,
  cpu: os.cpus()[0]?.model.trim() ?? 'unknown',
  cores: os.availableParallelism?.() ?? os.cpus().length,
  // Other work on the machine skews every figure; a high load average says to re-run later.
  loadAverage: os.loadavg().map((l) => Math.round(l * 100) / 100),
};

const results = [];
for (const b of chosen) {
  process.stderr.write(`running ${b.name}: ${b.title}...\n`);
  const started = performance.now();
  results.push(...(await b.run()));
  process.stderr.write(`  done in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
}

if (json) {
  process.stdout.write(`${JSON.stringify({ date: new Date().toISOString(), machine, results }, null, 2)}\n`);
} else {
  const load = machine.loadAverage.join(' ');
  process.stdout.write(`\n${machine.cpu}, ${machine.cores} cores, Node ${machine.node} (${machine.platform}), load average at start ${load}\n`);
  if (machine.loadAverage[0] >= 1) process.stdout.write('warning: the machine was busy when the run started; expect low, noisy figures and re-run when it is idle\n');
  process.stdout.write('\n');
  process.stdout.write(table(results));
  const missed = results.filter((r) => r.met === false).length;
  const withTarget = results.filter((r) => r.met !== null).length;
  process.stdout.write(`\n${withTarget - missed}/${withTarget} targets met (medians; targets, not tests)\n`);
}

function format(value, unit) {
  if (unit.endsWith('/s')) {
    if (value >= 1e6) return `${(value / 1e6).toFixed(2)}M/s`;
    if (value >= 1e3) return `${(value / 1e3).toFixed(1)}k/s`;
    return `${value.toFixed(0)}/s`;
  }
  if (unit === '×') return `${value.toFixed(2)}×`;
  if (unit === '× real time') return `${Math.round(value).toLocaleString('en')}×`;
  if (unit === 'ms') return `${value.toFixed(1)} ms`;
  return `${value} ${unit}`;
}

function table(rows) {
  const lines = [['benchmark', '', 'median', 'min … max', 'target', 'met']];
  for (const r of rows) {
    const t = r.target;
    const target = t === null ? '' : t.atLeast !== undefined ? `≥ ${format(t.atLeast, r.unit)}` : `≤ ${format(t.atMost, r.unit)}`;
    const met = r.met === null ? '' : r.met ? 'yes' : 'NO';
    lines.push([r.bench, r.label, format(r.median, r.unit), `${format(r.min, r.unit)} … ${format(r.max, r.unit)}`, target, met]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const right = [false, false, true, true, false, false];
  const render = (l) => l.map((cell, i) => (right[i] ? cell.padStart(widths[i]) : cell.padEnd(widths[i]))).join('  ').trimEnd();
  const out = [render(lines[0]), widths.map((w) => '-'.repeat(w)).join('  ')];
  let previous;
  for (const l of lines.slice(1)) {
    out.push(render(l[0] === previous ? ['', ...l.slice(1)] : l));
    previous = l[0];
  }
  return `${out.join('\n')}\n`;
}
