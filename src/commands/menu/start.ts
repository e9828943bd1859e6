import { randomInt } from 'node:crypto';
import { UsageError } from '../../core/errors.js';
import { recordRun } from '../../progress/record.js';
import { loadProgress } from '../../progress/store.js';
import { colourLevel, makeChalk } from '../../render/colour.js';
import { SHOW_CURSOR } from '../../render/live.js';
import { loadCatalogue } from '../../scenario/catalogue.js';
import { loadScenarioFile } from '../../scenario/load.js';
import type { CliIO } from '../context.js';
import { explainCommand } from '../explain/index.js';
import { renderExplanation } from '../explain/render.js';
import { compareCommand } from '../run/compare.js';
import { executeScenario, watchSpeed } from '../run/execute.js';
import { renderWatchedEnd } from '../run/render.js';
import { quote, reproduceCommand } from '../run/resolve.js';
import { equivalentCommands } from './choices.js';
import { runMenu, type MenuDeps, type MenuPrompts } from './index.js';
import { BROKER_ENV, liveStatus } from './live-mode.js';

/** `patterns` with no arguments: the menu on a terminal, the equivalent commands otherwise (exit 2). */
export async function menuCommand(io: CliIO): Promise<number> {
  const catalogue = await loadCatalogue();
  if (!io.stdout.isTTY || !io.stdin?.isTTY) {
    io.stdout.write(equivalentCommands(catalogue, io.invocation).join('\n') + '\n');
    throw new UsageError('the menu needs a terminal', ['run one of the commands above, or see patterns --help']);
  }
  const prompts = await inquirerPrompts();
  const c = makeChalk(colourLevel({ env: io.env, isTTY: io.stdout.isTTY, flag: io.colourFlag }));
  const cwd = io.cwd ?? process.cwd();
  const deps: MenuDeps = {
    prompts,
    catalogue,
    progress: () => loadProgress(cwd),
    load: (s, set) => loadScenarioFile(s.file, { set }),
    async run({ scenario, seed, set, mode }) {
      const loaded = await loadScenarioFile(scenario.file, { set, seed });
      if (mode === 'live') {
        // The broker comes from PATTERNS_BROKER (the mode is offered only when it answers).
        const { executeLive } = await import('../../live/run-live.js');
        const run = await executeLive(loaded, { mode: 'live', io, c, broker: io.env[BROKER_ENV], brokerSource: BROKER_ENV });
        const command = `${reproduceCommand(io.invocation, scenario.name, loaded, { set })} --live`;
        io.stdout.write(renderWatchedEnd(run, command, c, io.stdout.columns));
        io.stdout.write(c.dim(`the same from the command line (${BROKER_ENV} names the broker): ${command}\n\n`));
        await recordRun(cwd, run.result, { env: io.env, fromCatalogue: true, durationOverridden: false });
        return { interrupted: run.result.interrupted };
      }
      const run = await executeScenario(loaded, { mode: mode === 'fast' ? 'fast' : 'live', io, c, speed: mode === 'real' ? 1 : undefined, timeline: true });
      const command = run.keptTrace ? `${io.invocation} run --replay ${quote(run.keptTrace)}` : reproduceCommand(io.invocation, scenario.name, loaded, { set });
      io.stdout.write(renderWatchedEnd(run, command, c, io.stdout.columns));
      io.stdout.write(run.keptTrace ? '\n' : c.dim(`the same from the command line: ${command}\n\n`));
      await recordRun(cwd, run.result, { env: io.env, fromCatalogue: true, durationOverridden: false });
      // q stops a watched run and comes back here; Ctrl-C (or SIGINT) leaves, as everywhere.
      return { interrupted: run.result.interrupted && run.stoppedBy !== 'quit' };
    },
    async compare({ scenario, seed, set }) {
      const outcome = await compareCommand([scenario.file], { compare: true, set, seed: String(seed) }, io);
      io.stdout.write('\n');
      return { interrupted: outcome.results.some((r) => r.interrupted) };
    },
    async explain(pattern) {
      const explanation = await explainCommand(pattern, catalogue);
      io.stdout.write(renderExplanation(explanation, c, io.stdout.columns, io.invocation) + '\n');
    },
    liveStatus: () => liveStatus(io.env),
    newSeed: () => randomInt(0, 2 ** 31),
    watchSeconds: (s) => s.duration / 1000 / watchSpeed(s),
    columns: () => io.stdout.columns,
  };
  try {
    return await runMenu(deps);
  } finally {
    io.stdout.write(SHOW_CURSOR);
  }
}

/** @inquirer/prompts, loaded only when the menu runs (it is the heaviest dependency). */
async function inquirerPrompts(): Promise<MenuPrompts> {
  const { select, input } = await import('@inquirer/prompts');
  return {
    select: (config) => select({ ...config, loop: false }),
    input: (config) => input(config),
  };
}
