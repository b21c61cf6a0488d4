#!/usr/bin/env bash
# Installs everything berth needs on a Debian machine (run as root): system packages through
# apt-get, npm dependencies, and the build. Safe to run again; it skips what is already there.
set -euo pipefail
cd "$(dirname "$0")/.."
export DEBIAN_FRONTEND=noninteractive

# Build tools for the native SQLite binding; skopeo, umoci and busybox-static to build, push and
# pull images; docker.io for the Docker CLI tests (each starts its own dockerd); the AWS CLI for
# the end-to-end tests and the quick start; runc (and crun, the faster option), the CNI plugins, iproute2, iptables, zstd and
# GNU tar for the agent that runs tasks; tini, the init initProcessEnabled puts in a container;
# haproxy, which serves load balancers' listeners (berth falls back to its own proxy without it);
# etcd-server, the store that several berth servers share (its tests start their own member);
# python3-kubernetes, the Python client the Kubernetes end-to-end tests drive berth with;
# golang-github-containers-common, whose seccomp profile is the agent's RuntimeDefault.
packages=(ca-certificates python3 python3-kubernetes make g++ git skopeo umoci busybox-static docker.io runc crun conmon containernetworking-plugins iproute2 iptables zstd tar e2fsprogs tini haproxy etcd-server golang-github-containers-common)
command -v aws > /dev/null || packages+=(awscli)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "berth install: apt-get install ${missing[*]}"
  apt-get update -qq
  # Install services without starting them: a dockerd left to its defaults would change the
  # host's firewall (FORWARD policy DROP) and add docker0. Tests start their own when they need one.
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' > /usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    trap 'rm -f /usr/sbin/policy-rc.d' EXIT
  fi
  apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

echo "berth install: npm ci"
npm ci --no-audit --no-fund
echo "berth install: build"
npm run build --silent
echo "berth install: done"
