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
# Two lanes side by side. End-to-end files run tasks on this host and share what they set up there
# (the bridge berth0 and its subnet, load balancers' 127.77.x addresses and /etc/hosts, the task
# endpoint 169.254.170.2, dockerd), so they run one after another; beside them run the unit tests
# and the end-to-end files marked `// e2e lane: shared` (they run no task on this host).
mapfile -t e2e < <(find test/e2e -name '*.test.ts' | sort)
host=()
shared=()
for f in "${e2e[@]}"; do
  if grep -q '^// e2e lane: shared' "$f"; then shared+=("$f"); else host+=("$f"); fi
done
mapfile -t -O "${#shared[@]}" shared < <(find src test -name '*.test.ts' -not -path 'test/e2e/*' | sort)
run() { node --import tsx --test --test-concurrency=1 --test-timeout=600000 "$@"; }
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
run "${shared[@]}" > "$out" 2>&1 &
shared_pid=$!
host_status=0
run "${host[@]}" || host_status=$?
shared_status=0
wait "$shared_pid" || shared_status=$?
echo "== tests beside the host lane: unit tests and ${#shared[@]} files in all"
cat "$out"
echo "== tests: host lane (${#host[@]} files) exit ${host_status}, the other lane exit ${shared_status}"
[ "$host_status" -eq 0 ] && [ "$shared_status" -eq 0 ]
