import type { ChalkInstance } from 'chalk';
import { columns } from '../../render/text.js';
import type { BrokerCheck, BrokerStatus, DoctorResult } from './index.js';

const STATUS: Record<BrokerStatus, string> = {
  ok: 'ok',
  'in-process': 'ok',
  unreachable: 'unreachable',
  failing: 'failing',
  unavailable: 'not in this build',
  'cannot-create': 'cannot create',
  invalid: 'invalid URL',
};

/** The doctor's table: one row per check, problems and notes under their row. */
export function renderDoctor(result: DoctorResult, c: ChalkInstance): string {
  const mark = (ok: boolean) => (ok ? c.green('✓') : c.red('✗'));
  const rows: string[][] = [['', 'check', 'status', 'where', 'version', 'create+remove', 'from'].map((h) => c.dim(h))];
  rows.push([mark(result.node.ok), 'node', result.node.ok ? 'ok' : c.red('too old'), '', result.node.version, '', `package needs ${result.node.required}`]);
  for (const b of result.brokers) {
    rows.push([mark(b.ok), b.adapter ?? '?', b.ok ? STATUS[b.status] : c.red(STATUS[b.status]), b.broker, b.version ?? '—', createCell(b, c), c.dim(b.from.join(', '))]);
  }
  const table = columns(rows);
  const out = ['', table[0]!, table[1]!];
  result.brokers.forEach((b, i) => {
    out.push(table[i + 2]!);
    if (b.problem) out.push(`      ${c.red(b.problem)}`);
    for (const note of b.notes) out.push(`      ${c.dim(note)}`);
  });
  out.push('');
  if (!result.node.ok) out.push(c.red(`Node ${result.node.version} is older than this package needs (${result.node.required}): upgrade Node.`));
  if (result.brokers.length === 0) {
    out.push('No broker configured: simulated runs need none (memory is built in).');
    out.push(c.dim('Check one with  patterns doctor --broker redis://localhost:6379   or set PATTERNS_BROKER, REDIS_URL, AMQP_URL, KAFKA_BROKERS.'));
  }
  const failed = result.brokers.filter((b) => !b.ok).length;
  if (failed > 0) out.push(c.red(`${failed === 1 ? '1 broker is' : `${failed} brokers are`} not ready: live runs on ${failed === 1 ? 'it' : 'them'} would fail (exit 3).`));
  else if (result.ok && result.brokers.length > 0) out.push(c.green('Ready for live runs on every broker checked.'));
  out.push(c.dim(`Adapters in this build: ${result.adapters.join(', ')}.`));
  return out.join('\n') + '\n';
}

function createCell(b: BrokerCheck, c: ChalkInstance): string {
  if (b.canCreate === undefined) return '—';
  return b.canCreate ? 'yes' : c.red('no');
}
