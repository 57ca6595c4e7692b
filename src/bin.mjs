#!/usr/bin/env node
// Runs the TypeScript sources directly through tsx, so there is no build step to forget.
import { register } from 'tsx/esm/api';

register();
const { runCli } = await import('./cli.ts');
const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
