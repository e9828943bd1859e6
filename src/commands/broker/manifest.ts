/**
 * A live run's manifest, `.patterns/runs/<run id>.json`: which broker it uses (password
 * masked), its prefix, every name it created there, its pid and start. Written when the run
 * starts, rewritten as it creates names, removed when it has cleaned up. A manifest left
 * behind is a run that was killed before cleaning up: `patterns clean` reads it, because
 * some brokers (RabbitMQ without the management plugin) cannot list what exists.
 *
 * The folder also holds kept traces (`*.ndjson`); manifests are the `*.json` files.
 */
import { readFileSync } from 'node:fs';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import path from 'node:path';
import type { RealAdapterName } from '../../brokers/real.js';
import { runPrefix } from '../../brokers/real.js';
import type { BrokerUrl } from '../../brokers/url.js';
import { isRunId } from './run-id.js';

export interface RunManifest {
  version: 1;
  runId: string;
  adapter: RealAdapterName;
  /** The broker URL with its password masked; credentials are never written down. */
  broker: string;
  /** Which broker, without credentials (`BrokerUrl.endpoint`): how `clean` matches manifests. */
  endpoint: string;
  /** `patterns.<run id>.`: everything the run created starts with it. */
  prefix: string;
  /** Full names as created on the broker (prefix included), for adapters that cannot list. */
  names: string[];
  pid: number;
  host: string;
  /** ISO time, for people. */
  started: string;
  scenario?: string;
}

export function runsDir(cwd: string): string {
  return path.join(cwd, '.patterns', 'runs');
}

export function manifestPath(cwd: string, runId: string): string {
  return path.join(runsDir(cwd), `${runId}.json`);
}

export interface LiveManifest {
  readonly manifest: Readonly<RunManifest>;
  /** Adds names the run just created; resolves once they are on disk. */
  record(names: readonly string[]): Promise<void>;
  /** The run has cleaned up: nothing is left to find. */
  remove(): Promise<void>;
}

/** Writes the manifest of a run that is starting; call before creating anything on the broker. */
export async function startManifest(
  cwd: string,
  run: { runId: string; broker: BrokerUrl; scenario?: string; started: Date; pid?: number },
): Promise<LiveManifest> {
  if (run.broker.adapter === 'memory') throw new Error('the memory broker needs no manifest');
  const manifest: RunManifest = {
    version: 1,
    runId: run.runId,
    adapter: run.broker.adapter,
    broker: run.broker.display,
    endpoint: run.broker.endpoint,
    prefix: runPrefix(run.runId),
    names: [],
    pid: run.pid ?? process.pid,
    host: hostname(),
    started: run.started.toISOString(),
    ...(run.scenario === undefined ? {} : { scenario: run.scenario }),
  };
  await writeManifest(cwd, manifest);
  // Writes one after another, so a slow write never lands after a newer one.
  let chain: Promise<void> = Promise.resolve();
  let removed = false;
  return {
    manifest,
    record(names) {
      const fresh = names.filter((n) => !manifest.names.includes(n));
      if (fresh.length === 0 || removed) return chain;
      manifest.names.push(...fresh);
      chain = chain.then(() => (removed ? undefined : writeManifest(cwd, manifest)));
      return chain;
    },
    remove() {
      removed = true;
      chain = chain.then(() => removeManifest(cwd, manifest.runId));
      return chain;
    },
  };
}

export async function writeManifest(cwd: string, manifest: RunManifest): Promise<void> {
  const file = manifestPath(cwd, manifest.runId);
  await mkdir(path.dirname(file), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, JSON.stringify(manifest, null, 2) + '\n', 'utf8');
  await rename(tmp, file);
}

export async function removeManifest(cwd: string, runId: string): Promise<void> {
  await rm(manifestPath(cwd, runId), { force: true });
}

/** Every readable manifest; files that are not manifests (traces, half-written files) are skipped. */
export async function readManifests(cwd: string): Promise<RunManifest[]> {
  let files: string[];
  try {
    files = await readdir(runsDir(cwd));
  } catch {
    return [];
  }
  const out: RunManifest[] = [];
  for (const name of files.filter((f) => f.endsWith('.json')).sort()) {
    try {
      const data = JSON.parse(await readFile(path.join(runsDir(cwd), name), 'utf8')) as unknown;
      if (isManifest(data)) out.push(data);
    } catch {
      // Unreadable: not ours to judge; clean never acts on what it cannot read.
    }
  }
  return out;
}

function isManifest(d: unknown): d is RunManifest {
  if (typeof d !== 'object' || d === null) return false;
  const m = d as Partial<RunManifest>;
  return (
    m.version === 1 &&
    typeof m.runId === 'string' &&
    isRunId(m.runId) &&
    m.prefix === runPrefix(m.runId) &&
    typeof m.endpoint === 'string' &&
    typeof m.pid === 'number' &&
    Array.isArray(m.names) &&
    m.names.every((n) => typeof n === 'string')
  );
}

/**
 * Whether the run that wrote a manifest may still be going: its pid is alive on this host and
 * runs the `patterns` entry (so a reused pid does not keep a dead run's leftovers forever). A
 * manifest from another host counts as running: we cannot tell.
 */
export function runIsAlive(m: RunManifest): boolean {
  if (m.host !== hostname()) return true;
  try {
    process.kill(m.pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  try {
    const args = readFileSync(`/proc/${m.pid}/cmdline`, 'utf8').split('\0');
    return args.some((a) => /(^|\/)(patterns(\.js)?|cli\.[jt]s)$/.test(a));
  } catch {
    return true;
  }
}
