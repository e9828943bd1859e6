/**
 * Runs once before the suite. The CLI tests exercise the built entry (bin → dist), so
 * `npm test` builds first; this only checks that it did, with a clear message if not.
 */
import { existsSync } from 'node:fs';

export default function setup(): void {
  if (!existsSync(new URL('../dist/cli.js', import.meta.url))) {
    throw new Error('dist/ is missing: run `npm run build` (npm test does it for you)');
  }
}
