#!/usr/bin/env node
// The command line (npm start, npm run sandbox, handoff <command>): runs src/cli.ts from a bundle made
// at start (src/bundle.mjs), so there is no build step to forget.
import { importBundled } from './bundle.mjs';

const { runCli } = await importBundled('src/cli.ts');
const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
