#!/usr/bin/env node
// The `redback` executable: runs the compiled CLI (npm ci builds it through the prepare script).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const main = fileURLToPath(new URL('../dist/cli/main.js', import.meta.url));
if (!existsSync(main)) {
  process.stderr.write('redback: the CLI is not built (dist/cli/main.js is missing)\nHINT: run `npm run build` in the redback checkout\n');
  process.exit(1);
}
await import(main);
