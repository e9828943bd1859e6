/**
 * `run <scenario> --live --broker memory,redis://…,amqp://…`: the same scenario live on
 * each broker at once (same real time, same load and faults), then the message accounting
 * side by side — what the brokers' different guarantees do to the same pattern.
 */
import type { BrokerUrl } from '../../brokers/url.js';
import type { MessagesSummary } from '../../core/trace.js';
import type { RunResult } from '../../engine/run.js';
import type { CliIO } from '../context.js';
import { UsageError } from '../../core/errors.js';
import type { Scenario } from '../../scenario/model.js';
import { colourLevel, makeChalk } from '../../render/colour.js';
import { compareResults, type CompareRow, type Comparison } from './compare.js';
import type { RunOutcome } from './index.js';
import { renderComparison } from './render-compare.js';

export async function compareBrokers(scenario: Scenario, arg: string, brokers: readonly BrokerUrl[], flags: { json?: boolean | undefined }, io: CliIO): Promise<RunOutcome> {
  if (!scenario.components.some((s) => s.kind === 'broker')) {
    throw new UsageError(`${scenario.name} has no broker: there is nothing to compare across brokers`, ['pick a messaging scenario, e.g. patterns run consumer-crash --live --broker memory,redis://127.0.0.1:6379']);
  }
  const c = makeChalk(colourLevel({ env: io.env, isTTY: io.stdout.isTTY, flag: io.colourFlag }));
  const { executeLive } = await import('../../live/run-live.js');
  io.stderr.write(c.dim(`running ${scenario.name} live on ${brokers.map((b) => b.display).join(', ')} at once (${scenario.duration / 1000}s of real time) …\n`));
  // At once, so every broker sees the same stretch of real time; each run has its own prefix and cleans up.
  const runs = await Promise.all(brokers.map((b) => executeLive(scenario, { mode: 'fast', io, c, broker: b.url, brokerSource: '--broker' })));
  const results = runs.map((r) => r.result);
  const comparison = brokerComparison(results, brokers);
  if (flags.json) io.stdout.write(JSON.stringify(comparison, null, 2) + '\n');
  else io.stdout.write(renderComparison(comparison, c, `${io.invocation} run ${arg} --live --broker URL`, 'one broker alone'));
  return {
    results,
    reproduce: brokers.map((b) => `${io.invocation} run ${arg} --live --broker ${b.display}`),
    timelines: runs.map(() => undefined),
    comparison,
  };
}

/** The variant comparison, one column per broker, with the message accounting first. */
export function brokerComparison(results: readonly RunResult[], brokers: readonly Pick<BrokerUrl, 'adapter' | 'display'>[]): Comparison {
  const base = compareResults(results);
  const names = brokers.map((b, i) => (brokers.filter((x) => x.adapter === b.adapter).length > 1 ? `${b.adapter}-${i + 1}` : b.adapter));
  return {
    ...base,
    variants: base.variants.map((v, i) => ({ ...v, name: names[i]!, title: brokers[i]!.display })),
    rows: [...accountingRows(results.map((r) => r.summary.messages)), ...base.rows],
  };
}

function accountingRows(messages: readonly (MessagesSummary | undefined)[]): CompareRow[] {
  const group = 'messages';
  const total = (pick: (m: MessagesSummary) => number) => messages.map((m) => (m ? pick(m) : null));
  const producers = (key: 'published' | 'duplicates' | 'lost' | 'pending' | 'deadLettered') => total((m) => m.producers.reduce((n, p) => n + p[key], 0));
  const groups = (key: 'delivered' | 'redelivered' | 'duplicateEffects') => total((m) => m.groups.reduce((n, g) => n + g[key], 0));
  return [
    { group, label: 'published', unit: 'count', values: producers('published') },
    { group, label: 'delivered', unit: 'count', values: groups('delivered') },
    { group, label: 'redeliveries', unit: 'count', values: groups('redelivered') },
    { group, label: 'duplicates published', unit: 'count', better: 'lower', values: producers('duplicates') },
    { group, label: 'duplicate effects', unit: 'count', better: 'lower', values: groups('duplicateEffects') },
    { group, label: 'dead-lettered', unit: 'count', values: producers('deadLettered') },
    { group, label: 'pending at the end', unit: 'count', values: producers('pending') },
    { group, label: 'lost', unit: 'count', better: 'lower', values: producers('lost') },
  ];
}
