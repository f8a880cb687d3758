#!/usr/bin/env bash
# Fails when one of the fixed test secrets appears in the output of a test run (issue 12).
# The tests configure distinctive secrets, all defined in tests/support/test_secrets.hpp and
# all starting with "cb-test-secret-"; none may reach a log, an event, an audit record or an
# error message, so none may be in what the tests printed either.
#   scripts/secret-scan.sh [BUILD_DIR...]     (default: $BUILD_DIR, else build/)
# Searches ctest's Testing/Temporary/LastTest*.log and every other *.log under each directory.
# It fails too when there is no test output to search (a scan of nothing proves nothing).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
header="$root/tests/support/test_secrets.hpp"
[ -f "$header" ] || { echo "secret-scan: $header is missing" >&2; exit 1; }
prefix="$(sed -n 's/.*prefix = "\([^"]*\)";.*/\1/p' "$header")"
[ -n "$prefix" ] || { echo "secret-scan: no prefix found in $header" >&2; exit 1; }
mapfile -t values < <(grep -o "\"$prefix[^\"]*\"" "$header" | tr -d '"' | grep -vx "$prefix" | sort -u)
[ "${#values[@]}" -gt 0 ] || { echo "secret-scan: no secrets found in $header" >&2; exit 1; }

dirs=("$@")
[ ${#dirs[@]} -gt 0 ] || dirs=("${BUILD_DIR:-$root/build}")
files=()
for d in "${dirs[@]}"; do
  [ -d "$d" ] || { echo "secret-scan: $d is not a directory" >&2; exit 1; }
  while IFS= read -r -d '' f; do files+=("$f"); done < <(find "$d" -type f -name '*.log' -print0)
done
has_ctest_log=""
for f in "${files[@]}"; do
  case "$f" in */Testing/Temporary/LastTest*.log) has_ctest_log=yes ;; esac
done
if [ -z "$has_ctest_log" ]; then
  echo "secret-scan: no ctest output (Testing/Temporary/LastTest*.log) under ${dirs[*]}: run the tests first" >&2
  exit 1
fi

# The prefix catches every secret, whole or cut short; the full values name which one leaked.
status=0
while IFS= read -r hit; do
  status=1
  file="${hit%%:*}"
  rest="${hit#*:}"
  line="${rest%%:*}"
  which="part of a secret"
  text="$(sed -n "${line}p" "$file")"
  for v in "${values[@]}"; do
    if [[ "$text" == *"$v"* ]]; then which="$v"; break; fi
  done
  # Never print the secret itself: only where it is and which one.
  echo "secret-scan: ${which:0:${#prefix}+10}... found in $file line $line" >&2
done < <(grep -n -F -- "$prefix" "${files[@]}" /dev/null | cut -d: -f1,2)
if [ "$status" -ne 0 ]; then
  echo "secret-scan: FAILED: test secrets appear in the output above (see tests/support/test_secrets.hpp)" >&2
  exit 1
fi
echo "secret-scan: none of the ${#values[@]} test secrets in ${#files[@]} log files under ${dirs[*]}"
