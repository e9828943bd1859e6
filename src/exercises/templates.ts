import { existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { parse } from 'yaml';
import { z } from 'zod';
import { InfraError } from '../core/errors.js';
import { contractNames, type ContractName } from './contracts/registry.js';
import { templateNames, templatesDir } from './template-names.js';

export { templatesDir };

/** Files of a template that stay behind when an exercise is made from it. */
export const KEPT_BACK = ['template.yaml', 'solution.ts', 'hints.md'] as const;

const metaSchema = z
  .object({
    pattern: z.string(),
    contract: z.enum(contractNames as [ContractName, ...ContractName[]]),
    title: z.string().min(1),
    summary: z.string().min(1),
  })
  .strict();

export interface Template {
  pattern: string;
  contract: ContractName;
  title: string;
  summary: string;
  dir: string;
  /** What `patterns new` copies: everything but the template's own files. */
  files: string[];
  /** The exercise's scenarios (every YAML file it copies). */
  scenarios: string[];
  solution: string;
  hintsFile: string;
}

/** Every template, by pattern name. A folder without template.yaml is not a template. */
export async function listTemplates(dir = templatesDir): Promise<Template[]> {
  const out: Template[] = [];
  for (const name of templateNames(dir)) {
    const t = await readTemplate(path.join(dir, name));
    if (t) out.push(t);
  }
  return out;
}

export async function findTemplate(pattern: string, dir = templatesDir): Promise<Template | undefined> {
  if (!/^[a-z][a-z0-9-]*$/.test(pattern)) return undefined;
  return readTemplate(path.join(dir, pattern));
}

async function readTemplate(dir: string): Promise<Template | undefined> {
  const metaFile = path.join(dir, 'template.yaml');
  if (!existsSync(metaFile)) return undefined;
  const parsed = metaSchema.safeParse(parse(await readFile(metaFile, 'utf8')));
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    throw new InfraError(`broken template ${metaFile}: ${issue.path.join('.')}: ${issue.message}`);
  }
  const names = (await readdir(dir)).sort();
  const files = names.filter((n) => !(KEPT_BACK as readonly string[]).includes(n));
  return {
    ...parsed.data,
    dir,
    files,
    scenarios: files.filter((n) => /\.ya?ml$/.test(n)),
    solution: path.join(dir, 'solution.ts'),
    hintsFile: path.join(dir, 'hints.md'),
  };
}

/** Hints are the `## ` sections of hints.md, in order; each is shown whole. */
export function parseHints(markdown: string): { title: string; body: string }[] {
  const sections = markdown.split(/^## /m).slice(1);
  return sections.map((s) => {
    const [title = '', ...rest] = s.split('\n');
    return { title: title.trim(), body: rest.join('\n').trim() };
  });
}

export async function readHints(template: Template): Promise<{ title: string; body: string }[]> {
  if (!existsSync(template.hintsFile)) return [];
  return parseHints(await readFile(template.hintsFile, 'utf8'));
}
