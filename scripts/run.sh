#!/usr/bin/env bash
# The first README command: installs what is missing, builds, and runs the reference
# host with ChainBot on its embedded SQLite default, serving http://127.0.0.1:8000.
# Extra arguments go to `alex_os run` (e.g. --config site.yaml, --watch 'chainbot.*').
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
"$root/scripts/install-deps.sh"
"$root/scripts/build.sh" alex_os chainbot
cd "$root"
exec "${BUILD_DIR:-$root/build}/bin/alex_os" run "$@"
