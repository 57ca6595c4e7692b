#!/usr/bin/env node
// The `handoff` command (npm start runs `handoff start`): compiled to dist/bin.js by `npm run build`.
import { runCli } from './cli.js';

const code = await runCli(process.argv.slice(2));
if (code >= 0) process.exitCode = code;
