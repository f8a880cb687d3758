#!/usr/bin/env bash
# CI's arm64 part (called by .ci/run after the native suite): cross-builds everything for
# arm64 (scripts/cross-build.sh, Release), runs the test suite under qemu-aarch64-static
# through CMAKE_CROSSCOMPILING_EMULATOR against a native PostgreSQL (scripts/with-postgres.sh,
# reached over TCP as in the native run), and makes and checks the arm64 .deb
# (tests/package/install_test.sh, its host under qemu-aarch64-static).
# Left out under emulation (the README's "Run on a Raspberry Pi" says why):
#   - tests that start arm64 child programs (the alex_os CLI tests, the crash, kill and cluster
#     tests): a program running under qemu-user cannot exec another arm64 program without
#     binfmt_misc, which CI machines do not register;
#   - tests that race deadlines or read the process's real memory and CPU use, which the
#     ~7x slower emulation (and qemu's own memory) break.
# Extra arguments go to ctest.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
export BUILD_DIR="${BUILD_DIR:-$root/build-arm64}"
start=$(date +%s)
"$root/scripts/cross-build.sh"
built=$(date +%s)

# The tests left out (see above), by label and name. Keep in step with the README. The
# package test (label package) is left to the step below, which checks the arm64 package the
# same way once instead of twice.
exclude_labels='^(cluster|package)$'
exclude_names='^(cli\.|module_command\.|alex_os run loads the real ChainBot module|crash: |SIGKILL |dashboard_e2e$'
exclude_names+='|memory limit: |CPU limit: |a workflow with an active execution cannot be deleted until it is cancelled'
exclude_names+='|api agent: the token bucket spaces requests)'
# Most of an emulated test's time is waiting, not computing: 2 tests per core. A test that
# fails is run once more (--repeat until-pass:2): emulation stretches every deadline.
"$root/scripts/with-postgres.sh" ctest --test-dir "$BUILD_DIR" --output-on-failure -j "$(( 2 * $(nproc) ))" \
  --timeout 300 --repeat until-pass:2 -LE "$exclude_labels" -E "$exclude_names" "$@"
tested=$(date +%s)

rm -f "$BUILD_DIR"/packages/chainbot_*_arm64.deb
cpack --config "$BUILD_DIR/CPackConfig.cmake" -B "$BUILD_DIR/packages" >"$BUILD_DIR/cpack.log" 2>&1 \
  || { cat "$BUILD_DIR/cpack.log" >&2; exit 1; }
deb="$(ls "$BUILD_DIR"/packages/chainbot_*_arm64.deb)"
[ "$(dpkg-deb -f "$deb" Architecture)" = arm64 ] || { echo "ci-arm64: $deb is not arm64" >&2; exit 1; }
rm -rf "$BUILD_DIR/packages/unpacked" && dpkg-deb -x "$deb" "$BUILD_DIR/packages/unpacked"
# ELF header: e_machine (bytes 18-19) 0xb7 0x00 is AArch64.
machine="$(od -An -tx1 -j18 -N2 "$BUILD_DIR/packages/unpacked/usr/bin/alex_os" | tr -d ' \n')"
[ "$machine" = b700 ] || { echo "ci-arm64: /usr/bin/alex_os in $deb is not an AArch64 program ($machine)" >&2; exit 1; }
# The package as installed, its host started under qemu: as the amd64 package test does.
bash "$root/tests/package/install_test.sh" "$BUILD_DIR" "$deb"
done_at=$(date +%s)
echo "arm64: cross build $((built - start)) s, emulated tests $((tested - built)) s," \
     "package $((done_at - tested)) s: $(basename "$deb") $(du -k "$deb" | cut -f1) KiB"
