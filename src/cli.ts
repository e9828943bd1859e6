import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import type { CliIO } from './commands/context.js';
import { ExitCode, PatternsError, ScenarioError } from './core/errors.js';
import { templateNames } from './exercises/template-names.js';
import { colourLevel, makeChalk } from './render/colour.js';
import { streamOutput } from './render/output.js';

const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string };

const RUN_EXAMPLES = `
Examples:
  $ patterns run circuit-breaker                 a pattern runs its default scenario
  $ patterns run payment-outage --seed 7         the same run, every time
  $ patterns run payment-outage --set breaker.openFor=10s --set shoppers.rate=100/s
  $ patterns run payment-outage --baseline       the same system without the pattern
  $ patterns run payment-outage --compare        baseline and pattern side by side, with deltas
  $ patterns run payment-outage --compare main,baseline   declared variants, in this order
  $ patterns run payment-outage --report run.html     a self-contained HTML report
  $ patterns run payment-outage --trace run.ndjson    keep the trace; replay it with --replay
  $ patterns run --replay run.ndjson             the same run again, faults injected by hand included
  $ patterns run flaky-network --ci              plain lines; exit code says pass or fail
  $ patterns run slow-payment --json | jq 'select(.kind=="transition")'
  $ patterns run --all --ci --junit report.xml   the whole catalogue, for CI
  $ patterns run ./my-scenario.yaml              your own scenario file
  $ patterns run consumer-crash --live --broker redis://127.0.0.1:6379   real time, real Redis
  $ patterns run consumer-crash --live --processes --process-fault crash:charger@10s+2s --broker amqp://localhost
`;

const LIST_EXAMPLES = `
Examples:
  $ patterns list
  $ patterns list --json | jq '.scenarios[].name'
`;

const EXPLAIN_EXAMPLES = `
Examples:
  $ patterns explain                             the patterns, by category
  $ patterns explain circuit-breaker             its card: problem, states, knobs, mistakes
  $ patterns explain payment-outage              the card of the pattern a scenario shows
`;

/** Read when help is shown, so it lists the templates that exist. */
const newExamples = () => `
Examples:
  $ patterns new my-breaker --pattern circuit-breaker    an exercise in exercises/my-breaker/
  $ patterns new my-bucket --pattern token-bucket
  $ patterns new my-retry --pattern retry --dir practice
  $ patterns new scenario payment-brownout --pattern circuit-breaker   a catalogue scenario

Templates: ${templateNames().join(', ')} (docs/exercises.md)
`;

const CHECK_EXAMPLES = `
Examples:
  $ patterns check my-breaker             every scenario of the exercise, under 3 seeds
  $ patterns check my-breaker --watch     again on every save; Ctrl-C stops
  $ patterns check my-breaker --seed 42   one seed
  $ patterns check                        the exercise you are in, or all of them
  $ patterns run exercises/my-breaker     the same as check

Exit codes: 0 every expectation held · 1 not yet (or your code failed) · 2 usage or scenario error
`;

const HINT_EXAMPLES = `
Examples:
  $ patterns hint my-breaker              the next hint, one more per call
  $ patterns hint my-breaker --all        the hints seen so far, again
`;

const DOCTOR_EXAMPLES = `
Examples:
  $ patterns doctor                                   Node, and every broker the environment names
  $ patterns doctor --broker redis://localhost:6379   one broker
  $ patterns doctor --broker memory,redis://localhost,amqp://guest:guest@localhost
  $ patterns doctor --json | jq '.brokers[] | select(.ok | not)'

Without --broker it checks PATTERNS_BROKER, REDIS_URL, AMQP_URL and KAFKA_BROKERS.
Exit codes: 0 ready · 2 a bad --broker URL · 3 a check failed (Node too old, a broker unreachable or unusable)
`;

const CLEAN_EXAMPLES = `
Examples:
  $ patterns clean --broker redis://localhost:6379            leftovers of killed runs
  $ patterns clean --broker amqp://guest:guest@localhost --dry-run   what it would remove
  $ patterns clean --broker redis://localhost --run 20261122-035301-k3f9   one run

Only names under "patterns." are touched (with --run, under "patterns.<run id>."); nothing is
flushed. Runs still going on this machine are left alone. Without --broker: PATTERNS_BROKER.
Exit codes: 0 done · 2 usage (no broker, a bad URL, a run still going) · 3 broker unreachable
`;

const MAIN_EXAMPLES = `
Examples:
  $ patterns                                     the menu (on a terminal)
  $ patterns run circuit-breaker
  $ patterns explain circuit-breaker
  $ patterns list
  $ patterns run --all --ci --junit report.xml
  $ patterns new my-breaker --pattern circuit-breaker && patterns check my-breaker
  $ patterns doctor                              Node, and the brokers you configured

Exit codes: 0 every expectation held · 1 an expectation failed · 2 usage or scenario error
            3 infrastructure (broker unreachable, component crashed) · 130 interrupted
Docs: docs/scenario-format.md, docs/trace-format.md, docs/ci.md
`;

interface GlobalFlags {
  debug?: boolean;
  color?: boolean;
}

/** Builds the command tree. Each action imports its command lazily to keep start-up fast. */
export function buildProgram(io: CliIO, setExit: (code: number) => void): Command {
  const program = new Command('patterns');
  program
    .description('Distributed-systems patterns under injected faults, with every state they pass through on screen.')
    .version(pkg.version, '-V, --version', 'print the version')
    .option('--debug', 'show stack traces for errors')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (also: NO_COLOR=1)')
    .addHelpText('after', MAIN_EXAMPLES)
    .showSuggestionAfterError(true)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => io.stdout.write(s),
      writeErr: (s) => io.stderr.write(s),
    });

  program
    .command('run')
    .description('run scenarios: a name, a pattern, a file, or --all')
    .argument('[scenarios...]', 'scenario names, pattern names or paths to YAML files')
    .option('--all', 'run every scenario in the catalogue')
    .option('--ci', 'no live table: plain lines, as fast as possible')
    .option('--json', 'NDJSON trace on stdout (see docs/trace-format.md)')
    .option('--junit <file>', 'also write a JUnit XML report')
    .option('--seed <n>', 'seed for every random draw (default: the scenario’s)')
    .option('--set <knob=value>', 'tweak a declared knob, e.g. breaker.openFor=10s (repeatable)', collect, [])
    .option('--speed <x>', 'simulated seconds per wall second: 1 = real time, max = as fast as possible')
    .option('--duration <time>', 'override the scenario’s duration, e.g. 30s')
    .option('--baseline', 'run the baseline variant: the same system without the pattern')
    .option('--variant <name>', 'run another variant the scenario declares under variants:')
    .option('--compare [variants]', 'run the baseline and the scenario (or the variants a,b) with the same seed and faults; print a table of deltas')
    .option('--report <file>', 'also write a self-contained HTML report (charts, transitions, faults, expectations)')
    .option('--trace <file>', 'also write the NDJSON trace to a file, whatever the screen shows')
    .option('--replay <trace>', 'run again what a trace recorded: scenario, seed, knobs, variant and faults injected by hand')
    .option('--live', 'run on the real clock against a real broker (see --broker; docs/live.md)')
    .option('--broker <url>', 'for --live: redis://, rediss://, amqp://, amqps://, kafka://host:port or memory (default: PATTERNS_BROKER)')
    .option('--processes', 'with --live: each component group as its own process (patterns component), supervised')
    .option('--process-fault <fault>', 'with --processes: crash|restart|pause|net-down|net-reset|latency=T:COMPONENT@AT[+FOR] (repeatable)', collect, [])
    .addHelpText('after', RUN_EXAMPLES)
    .action(async (targets: string[], flags) => {
      // An exercise (a folder or scenario that names an implementation:) is checked, not run.
      if (targets.length === 1 && !flags.all) {
        const { exerciseAt } = await import('./exercises/exercise.js');
        if (await exerciseAt(targets[0]!)) {
          setExit(await check(targets[0], { seed: flags.seed, json: flags.json }, io));
          return;
        }
      }
      const { runCommand } = await import('./commands/run/index.js');
      const outcome = await runCommand(targets, flags, io);
      if (flags.junit) {
        const { writeJunit } = await import('./commands/run/junit.js');
        await writeJunit(flags.junit, outcome, io);
      }
      if (flags.report) {
        const { writeReport } = await import('./commands/run/report.js');
        await writeReport(flags.report, outcome, pkg.version, io);
      }
      const interrupted = outcome.results.some((r) => r.interrupted);
      // A comparison is a report, not a verdict: the baseline is expected to fail.
      const verdict = outcome.comparison || outcome.results.every((r) => r.passed) ? ExitCode.ok : ExitCode.expectationFailed;
      setExit(interrupted ? ExitCode.interrupted : verdict);
    });

  program
    .command('component')
    .description('one process of a live run: a component (and what it calls directly) against the run’s broker; see docs/live.md')
    .argument('<name>', 'a component of the scenario')
    .requiredOption('--scenario <file>', 'the scenario file of the run')
    .requiredOption('--run <id>', 'the run id: every process of a run uses the same one')
    .option('--broker <url>', 'the run’s broker (default: PATTERNS_BROKER)')
    .option('--start <epoch-ms>', 'when t = 0 of the run is (wall clock, ms since 1970); without it, waits for `go <epoch-ms>` on stdin')
    .option('--seed <n>', 'the run’s seed')
    .option('--set <knob=value>', 'the run’s knobs (repeatable)', collect, [])
    .option('--variant <name>', 'the run’s variant')
    .option('--duration <time>', 'the run’s duration, when it overrides the scenario’s')
    .action(async (name: string, flags: import('./live/component.js').ComponentFlags) => {
      const { componentCommand } = await import('./live/component.js');
      setExit(await componentCommand(name, flags, io));
    });

  program
    .command('explain')
    .description('the concept card of a pattern: problem, how it works, states, knobs, when (not) to use it, mistakes')
    .argument('[pattern]', 'a pattern (or a scenario, for the pattern it shows); none lists them all')
    .option('--json', 'as JSON')
    .addHelpText('after', EXPLAIN_EXAMPLES)
    .action(async (pattern: string | undefined, flags: { json?: boolean }) => {
      const { explainCommand } = await import('./commands/explain/index.js');
      const explanation = await explainCommand(pattern);
      if (flags.json) {
        io.stdout.write(JSON.stringify(explanation, null, 2) + '\n');
      } else {
        const { renderExplanation } = await import('./commands/explain/render.js');
        io.stdout.write(renderExplanation(explanation, chalkFor(io), io.stdout.isTTY ? io.stdout.columns : Infinity, io.invocation));
      }
      setExit(ExitCode.ok);
    });

  program
    .command('list')
    .description('list the scenarios and patterns of the catalogue')
    .option('--json', 'as JSON')
    .addHelpText('after', LIST_EXAMPLES)
    .action(async (flags: { json?: boolean }) => {
      const { listCommand } = await import('./commands/list/index.js');
      const listing = await listCommand();
      if (flags.json) {
        io.stdout.write(JSON.stringify(listing, null, 2) + '\n');
      } else {
        const { renderListing } = await import('./commands/list/render.js');
        io.stdout.write(renderListing(listing, chalkFor(io)));
      }
      setExit(ExitCode.ok);
    });

  program
    .command('new')
    .description('scaffold an exercise from a template (or, with `scenario`, a scenario for the catalogue)')
    .argument('<name>', 'the exercise: lower-case letters, digits and dashes (or the word scenario)')
    .argument('[scenario-name]', 'after `scenario`: the new scenario’s name')
    .option('--pattern <pattern>', 'the pattern to practise (or the scenario shows)')
    .option('--dir <dir>', 'where to write it (default: exercises, or scenarios for a scenario)')
    .option('--force', 'write over an existing exercise or scenario')
    .addHelpText('after', newExamples)
    .action(async (name: string, second: string | undefined, flags: { pattern?: string; dir?: string; force?: boolean }) => {
      const { newCommand } = await import('./commands/new/index.js');
      const { renderNew } = await import('./commands/new/render.js');
      const result = await newCommand(name, second, flags, io);
      io.stdout.write(renderNew(result, chalkFor(io), process.cwd()));
      setExit(ExitCode.ok);
    });

  program
    .command('check')
    .description('check an exercise: your code under the scenario’s faults, beside the built-in')
    .argument('[exercise]', 'a name under exercises/, or a path (default: the one you are in, or all)')
    .option('--dir <dir>', 'where exercises live (default: exercises)')
    .option('--seed <n>', 'one seed instead of the default three')
    .option('--seeds <count>', 'how many seeds to try, from the scenario’s own (default 3)')
    .option('--timeout <time>', 'stop a call into your code that takes longer (default 5s)')
    .option('--watch', 're-run on every save; Ctrl-C stops')
    .option('--json', 'the result as JSON')
    .addHelpText('after', CHECK_EXAMPLES)
    .action(async (target: string | undefined, flags: import('./commands/check/index.js').CheckFlags) => {
      setExit(await check(target, flags, io));
    });

  program
    .command('hint')
    .description('the next hint for an exercise, one more each time')
    .argument('[exercise]', 'a name under exercises/ (default: the one you are in)')
    .option('--dir <dir>', 'where exercises live (default: exercises)')
    .option('--all', 'show again every hint seen so far')
    .addHelpText('after', HINT_EXAMPLES)
    .action(async (target: string | undefined, flags: { dir?: string; all?: boolean }) => {
      const { hintCommand } = await import('./commands/hint/index.js');
      const { renderHint } = await import('./commands/hint/render.js');
      const result = await hintCommand(target, flags);
      const dirFlag = flags.dir === undefined || flags.dir === 'exercises' ? '' : ` --dir ${flags.dir}`;
      io.stdout.write(renderHint(result, chalkFor(io), { cwd: process.cwd(), invocation: io.invocation, dirFlag }));
      setExit(ExitCode.ok);
    });

  program
    .command('doctor')
    .description('ready for live runs? Node, and each configured broker: reachable, its version, can create and remove')
    .option('--broker <url>', 'a broker to check (repeatable, or a comma-separated list); default: the environment’s', collect, [])
    .option('--connect-timeout <time>', 'give up on a broker after this long (default 5s)')
    .option('--json', 'the result as JSON')
    .addHelpText('after', DOCTOR_EXAMPLES)
    .action(async (flags: import('./commands/doctor/index.js').DoctorFlags & { json?: boolean }) => {
      const { doctorCommand } = await import('./commands/doctor/index.js');
      const result = await doctorCommand(flags, io);
      if (flags.json) {
        io.stdout.write(JSON.stringify(result, null, 2) + '\n');
      } else {
        const { renderDoctor } = await import('./commands/doctor/render.js');
        io.stdout.write(renderDoctor(result, chalkFor(io)));
      }
      setExit(result.ok ? ExitCode.ok : ExitCode.infra);
    });

  program
    .command('clean')
    .description('remove what killed live runs left on a broker (only names under patterns.)')
    .option('--broker <url>', 'the broker (default: PATTERNS_BROKER)', collect, [])
    .option('--run <id>', 'only this run’s names (patterns.<id>.)')
    .option('--dry-run', 'say what would be removed; remove nothing')
    .option('--connect-timeout <time>', 'give up connecting after this long (default 5s)')
    .option('--json', 'the result as JSON')
    .addHelpText('after', CLEAN_EXAMPLES)
    .action(async (flags: import('./commands/clean/index.js').CleanFlags & { json?: boolean }) => {
      const { cleanCommand } = await import('./commands/clean/index.js');
      const result = await cleanCommand(flags, io, { cwd: io.cwd ?? process.cwd() });
      if (flags.json) {
        io.stdout.write(JSON.stringify(result, null, 2) + '\n');
      } else {
        const { renderClean } = await import('./commands/clean/render.js');
        io.stdout.write(renderClean(result, chalkFor(io)));
      }
      setExit(ExitCode.ok);
    });

  return program;
}

/** `check` (and `run` on an exercise): the exit code says whether every expectation held. */
async function check(target: string | undefined, flags: import('./commands/check/index.js').CheckFlags, io: CliIO): Promise<number> {
  const { checkCommand } = await import('./commands/check/index.js');
  const { renderCheck } = await import('./commands/check/render.js');
  const show = (outcome: import('./commands/check/index.js').CheckOutcome) =>
    io.stdout.write(flags.json ? JSON.stringify(outcome, null, 2) + '\n' : renderCheck(outcome, chalkFor(io), { cwd: process.cwd(), invocation: io.invocation }));
  if (flags.watch) {
    const { watchCheck } = await import('./commands/check/watch.js');
    await watchCheck(target, flags, io, show);
    return ExitCode.interrupted;
  }
  const outcome = await checkCommand(target, flags, io);
  show(outcome);
  if (outcome.interrupted) return ExitCode.interrupted;
  return outcome.exercises.every((e) => e.passed) ? ExitCode.ok : ExitCode.expectationFailed;
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function chalkFor(io: CliIO) {
  return makeChalk(colourLevel({ env: io.env, isTTY: io.stdout.isTTY, flag: io.colourFlag, colorDepth: depth() }));
}

function depth(): number | undefined {
  return process.stdout.isTTY ? process.stdout.getColorDepth() : undefined;
}

/** Reads --color/--no-color before commander does, so errors are painted right too. */
function colourFlagOf(argv: readonly string[]): boolean | undefined {
  let flag: boolean | undefined;
  for (const a of argv) {
    if (a === '--') break;
    if (a === '--no-color') flag = false;
    if (a === '--color') flag = true;
  }
  return flag;
}

/**
 * The one place that turns outcomes and errors into exit codes and text on stderr. Nothing
 * else calls process.exit.
 */
export async function main(argv: readonly string[], invocation = 'npx patterns'): Promise<number> {
  const controller = new AbortController();
  let interrupts = 0;
  const onSigint = () => {
    interrupts++;
    if (interrupts === 1) {
      controller.abort();
      return;
    }
    // A second Ctrl-C means now: give the terminal back and leave.
    process.stdout.write('\u001b[?25h');
    process.exit(ExitCode.interrupted);
  };
  process.on('SIGINT', onSigint);
  // A closed pipe on stdout (`| head`) stops the run the way Ctrl-C does.
  const io: CliIO = {
    stdout: streamOutput(process.stdout, () => controller.abort()),
    stderr: streamOutput(process.stderr),
    env: process.env,
    signal: controller.signal,
    colourFlag: colourFlagOf(argv),
    invocation,
    stdin: process.stdin,
    cwd: process.cwd(),
  };
  let code: number = ExitCode.ok;
  const debug = argv.includes('--debug');
  try {
    const program = buildProgram(io, (c) => (code = c));
    if (argv.length === 0) {
      const { menuCommand } = await import('./commands/menu/start.js');
      return await menuCommand(io);
    }
    await program.parseAsync([...argv], { from: 'user' });
    const globals = program.opts<GlobalFlags>();
    void globals;
  } catch (error) {
    code = report(error, io, debug);
  } finally {
    process.off('SIGINT', onSigint);
  }
  if (argv[0] === 'component' || (argv[0] === 'run' && argv.includes('--live'))) {
    // A live run or component process ends with its run, whatever its broker clients keep
    // open after clean-up (their connections close with it, as a stopped service's do). A
    // natural exit was seen to hang on them (ioredis, amqplib after an abrupt close).
    await new Promise<void>((resolve) => process.stdout.write('', () => resolve()));
    process.exit(code);
  }
  return code;
}

function report(error: unknown, io: CliIO, debug: boolean): number {
  const c = makeChalk(colourLevel({ env: io.env, isTTY: io.stderr.isTTY, flag: io.colourFlag }));
  if (error instanceof CommanderError) {
    if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return ExitCode.ok;
    // commander has already printed its message.
    return ExitCode.usage;
  }
  if (error instanceof PatternsError) {
    const label = error instanceof ScenarioError ? 'scenario error' : error.exitCode === ExitCode.infra ? 'infrastructure error' : 'error';
    if (error instanceof ScenarioError) {
      io.stderr.write(`${c.red.bold(label)}${error.problems.length > 1 ? ` (${error.problems.length} problems)` : ''}\n`);
      for (const line of [error.message, ...error.details]) io.stderr.write(`  ${line}\n`);
    } else {
      io.stderr.write(`${c.red.bold(label)}: ${error.message}\n`);
      for (const line of error.details) io.stderr.write(`  ${line}\n`);
    }
    if (debug && error.stack) io.stderr.write(c.dim(error.stack) + '\n');
    return error.exitCode;
  }
  const e = error instanceof Error ? error : new Error(String(error));
  if ((e as NodeJS.ErrnoException).code === 'EPIPE') return ExitCode.ok;
  io.stderr.write(`${c.red.bold('internal error')}: ${e.message}\n`);
  if (debug) io.stderr.write(c.dim(e.stack ?? '') + '\n');
  else io.stderr.write(c.dim('  this is a bug in patterns; rerun with --debug for the stack trace and please report it\n'));
  return 70;
}
