#!/usr/bin/env node
// Kept tiny on purpose: check the runtime, then hand over to the compiled CLI.
const [major] = process.versions.node.split('.').map(Number);
if (major < 20) {
  process.stderr.write(`patterns needs Node.js 20 or newer; this is ${process.version}.\n`);
  process.exit(3);
}

const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));
  process.stdout.write(`${pkg.version}\n`);
  process.exit(0);
}

let cli;
try {
  cli = await import('../dist/cli.js');
} catch (error) {
  if (error && error.code === 'ERR_MODULE_NOT_FOUND' && String(error.message).includes('dist/cli.js')) {
    process.stderr.write('patterns is not built yet: run `npm run build` (npm install does it for you).\n');
    process.exit(3);
  }
  throw error;
}
process.exitCode = await cli.main(args);
