/**
 * Typed errors. Commands throw these; only the CLI entry maps them to exit codes.
 * Exit codes: 0 every expectation held · 1 an expectation failed · 2 usage or scenario
 * error · 3 infrastructure · 130 interrupted.
 */
export const ExitCode = {
  ok: 0,
  expectationFailed: 1,
  usage: 2,
  infra: 3,
  interrupted: 130,
} as const;

export abstract class PatternsError extends Error {
  abstract readonly exitCode: number;
  /** Extra lines printed under the message (hints, valid choices). */
  readonly details: string[];

  constructor(message: string, details: string[] = []) {
    super(message);
    this.name = new.target.name;
    this.details = details;
  }
}

export class UsageError extends PatternsError {
  readonly exitCode = ExitCode.usage;
}

export interface SourceLocation {
  file: string;
  line?: number;
  column?: number;
  path?: string;
}

export interface ScenarioProblem extends SourceLocation {
  message: string;
  suggestion?: string;
}

/** One or more problems in a scenario file, each with its place in the file. */
export class ScenarioError extends PatternsError {
  readonly exitCode = ExitCode.usage;
  readonly problems: ScenarioProblem[];

  constructor(problems: ScenarioProblem[]) {
    const first = problems[0];
    super(first ? formatProblem(first) : 'invalid scenario', problems.slice(1).map(formatProblem));
    this.problems = problems;
  }
}

export function formatProblem(p: ScenarioProblem): string {
  const where = [p.file, p.line, p.column].filter((x) => x !== undefined).join(':');
  const path = p.path ? ` ${p.path}:` : '';
  const hint = p.suggestion ? ` (${p.suggestion})` : '';
  return `${where}:${path} ${p.message}${hint}`;
}

export class InfraError extends PatternsError {
  readonly exitCode = ExitCode.infra;
}

export class InterruptedError extends PatternsError {
  readonly exitCode = ExitCode.interrupted;
  constructor() {
    super('interrupted');
  }
}
