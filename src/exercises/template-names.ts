import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The templates shipped with the tool: `templates/<pattern>/` at the package root. */
export const templatesDir = fileURLToPath(new URL('../../templates/', import.meta.url));

/**
 * The patterns that have a template (a folder with a template.yaml), sorted. Cheap and
 * synchronous, for help text; `listTemplates` reads and checks them.
 */
export function templateNames(dir = templatesDir): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(path.join(dir, e.name, 'template.yaml')))
    .map((e) => e.name)
    .sort((a, b) => a.localeCompare(b));
}
