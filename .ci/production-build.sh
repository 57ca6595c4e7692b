#!/bin/sh
# The production build, in one place. The Dockerfile's build stage runs it, and
# test/install/production-install.test.ts runs it on a copy of the repository and then starts the
# result, so a package production needs but only a devDependency brought in fails the tests, not a deploy.
set -eu
cd "$(dirname "$0")/.."

# Exactly the lockfile; the prepare script compiles src/ into dist/ (`npm run build`). --include=dev:
# the compiler is a devDependency, and a NODE_ENV=production in the environment would otherwise leave it out.
npm ci --include=dev --no-audit --no-fund

# Production keeps only the dependencies: no compiler, linter, test runner or pretty-printer.
npm prune --omit=dev --no-audit --no-fund

# Nor the local Slack emulator (dist/sandbox: loaded only outside production, where the Slack settings
# are missing), nor the sources and tests: the runtime runs dist/ alone.
rm -rf dist/sandbox src test
