#!/usr/bin/env bash
# The whole test suite: build, type check, lint, format, import boundaries, unit and e2e tests.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== build";          npx tsc -p tsconfig.json
echo "== types";          npx tsc -p tsconfig.check.json
echo "== lint";           npx eslint --max-warnings 0 .
echo "== format";         npx prettier --check . > /dev/null || { npx prettier --list-different .; exit 1; }
echo "== boundaries";     npx depcruise --config .dependency-cruiser.cjs src
echo "== tests"
mapfile -t files < <(find src test -name '*.test.ts' | sort)
exec node --import tsx --test --test-concurrency=1 --test-timeout=600000 "${files[@]}"
