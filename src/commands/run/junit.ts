import { writeFile } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import { renderJunit } from '../../render/junit.js';
import type { CliIO } from '../context.js';
import type { RunOutcome } from './index.js';

export async function writeJunit(file: string, outcome: RunOutcome, io: Pick<CliIO, 'stderr'>): Promise<void> {
  const xml = renderJunit(outcome.results, (r) => outcome.reproduce[outcome.results.indexOf(r)] ?? '');
  try {
    await writeFile(file, xml, 'utf8');
  } catch (error) {
    throw new UsageError(`--junit ${file}: cannot write the report: ${(error as Error).message}`);
  }
  io.stderr.write(`JUnit report: ${file}\n`);
}
