import { writeFile } from 'node:fs/promises';
import { UsageError } from '../../core/errors.js';
import { renderReport } from '../../render/report.js';
import { TimelineRecorder } from '../../render/timeline.js';
import type { CliIO } from '../context.js';
import type { RunOutcome } from './index.js';

/** `--report run.html`: every run of the command in one self-contained page. */
export async function writeReport(file: string, outcome: RunOutcome, version: string, io: Pick<CliIO, 'stderr'>): Promise<void> {
  const runs = outcome.results.map((result, i) => ({
    result,
    timeline: outcome.timelines[i] ?? new TimelineRecorder().timeline,
    reproduce: outcome.reproduce[i] ?? '',
  }));
  try {
    await writeFile(file, renderReport(runs, { version }), 'utf8');
  } catch (error) {
    throw new UsageError(`--report ${file}: cannot write the report: ${(error as Error).message}`);
  }
  io.stderr.write(`HTML report: ${file}\n`);
}
