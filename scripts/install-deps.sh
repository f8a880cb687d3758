#!/usr/bin/env bash
# Installs the Debian 12 packages ChainBot needs to build, run and test.
# Idempotent: packages already present are skipped by apt. Needs root (or sudo).
set -euo pipefail

packages=(
  build-essential cmake pkg-config git ca-certificates curl
  libboost1.81-dev libboost-json1.81-dev libboost-system1.81-dev libboost-filesystem1.81-dev
  libsoci-dev libtomlplusplus-dev libfmt-dev libgpiod-dev libyaml-cpp-dev catch2
  libsqlite3-dev libpq-dev libssl-dev postgresql
  libjemalloc2
)
# The dashboard's browser tests: Debian's Chromium, and Debian's node and npm only when
# there is no node at all (one from elsewhere, e.g. NodeSource's nodejs, is kept).
packages+=(chromium)
# scripts/fuzz.sh: clang and its libFuzzer runtime (libclang_rt.fuzzer).
packages+=(clang libclang-rt-14-dev)
command -v node >/dev/null 2>&1 || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-deps: all packages present"
else
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
  echo "install-deps: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# playwright-core for tests/dashboard, from its lock file (it downloads no browser: the
# tests drive /usr/bin/chromium), only when the lock file changed since the last run.
dashboard="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/tests/dashboard"
if ! cmp -s "$dashboard/package-lock.json" "$dashboard/node_modules/.installed-lock.json"; then
  echo "install-deps: npm ci in tests/dashboard"
  (cd "$dashboard" && PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --no-audit --no-fund --loglevel=error)
  cp "$dashboard/package-lock.json" "$dashboard/node_modules/.installed-lock.json"
fi
