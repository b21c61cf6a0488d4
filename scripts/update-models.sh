#!/usr/bin/env bash
# Refreshes models/ from botocore: the package installed on this machine (pip awscli/boto3), or a
# botocore wheel given as the first argument (pip download --no-deps botocore), which may be newer.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ $# -ge 1 ]; then
  unpacked=$(mktemp -d)
  trap 'rm -rf "$unpacked"' EXIT
  python3 -c 'import sys, zipfile; zipfile.ZipFile(sys.argv[1]).extractall(sys.argv[2])' "$1" "$unpacked"
  data="$unpacked/botocore/data"
else
  data=$(python3 -c 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))')
fi
for service in $(ls models); do
  version=$(ls "$data/$service" | sort | tail -n 1)
  cp "$data/$service/$version/service-2.json.gz" "models/$service/service-2.json.gz"
  echo "models/$service: $version"
done
