#!/usr/bin/env bash
# Refreshes models/ from the botocore package installed on this machine (pip awscli/boto3).
set -euo pipefail
cd "$(dirname "$0")/.."
data=$(python3 -c 'import botocore, os; print(os.path.join(os.path.dirname(botocore.__file__), "data"))')
for service in $(ls models); do
  version=$(ls "$data/$service" | sort | tail -n 1)
  cp "$data/$service/$version/service-2.json.gz" "models/$service/service-2.json.gz"
  echo "models/$service: $version"
done
