#!/usr/bin/env bash
# Builds the .deb of BUILD_DIR with cpack (or takes DEB, made from it), unpacks it into a
# throwaway root (dpkg-deb -x) and checks it as installed: the file list, the control data
# (architecture, dependencies, conffiles), the maintainer scripts (syntax, shellcheck when
# present, and postinst run against recording stubs of adduser/install/systemctl), the
# systemd unit (systemd-analyze verify when present), the ABI header through find_package
# and pkg-config, and the packaged /usr/bin/alex_os: it must find the module with no flags,
# read the conffile in /etc and answer /api/chainbot/health. Prints the host's idle RSS.
# An arm64 package's host runs under qemu-aarch64-static (scripts/ci-arm64.sh).
#   tests/package/install_test.sh BUILD_DIR [DEB]   (CTest: package.deb_install, label package)
set -euo pipefail
build_dir="$(cd "${1:?usage: install_test.sh BUILD_DIR}" && pwd)"
tmp="$(mktemp -d /tmp/chainbot-pkg-test.XXXXXX)"
host_pid=""
cleanup() {
  if [ -n "$host_pid" ] && kill -0 "$host_pid" 2>/dev/null; then kill -KILL "$host_pid" 2>/dev/null || true; fi
  rm -rf "$tmp"
}
trap cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
ok() { echo "ok: $*"; }

# --- the package -------------------------------------------------------------------------
arch="$(sed -n 's/^set(CPACK_DEBIAN_PACKAGE_ARCHITECTURE "\(.*\)")$/\1/p' "$build_dir/CPackConfig.cmake")"
[ -n "$arch" ] || fail "no CPACK_DEBIAN_PACKAGE_ARCHITECTURE in $build_dir/CPackConfig.cmake"
emulator=()
if [ "$arch" != "$(dpkg --print-architecture)" ]; then
  [ "$arch" = arm64 ] || fail "cannot run an $arch package here"
  emulator=(qemu-aarch64-static)
fi
if [ -n "${2:-}" ]; then
  deb="$2"
else
  if ! cpack --config "$build_dir/CPackConfig.cmake" -B "$tmp/out" >"$tmp/cpack.log" 2>&1; then
    cat "$tmp/cpack.log" >&2
    fail "cpack failed"
  fi
  debs=("$tmp"/out/chainbot_*_"$arch".deb)
  if [ ${#debs[@]} -ne 1 ] || [ ! -f "${debs[0]}" ]; then fail "expected one chainbot_*_$arch.deb, got: $(ls "$tmp/out")"; fi
  deb="${debs[0]}"
fi
ok "package $(basename "$deb") ($(du -k "$deb" | cut -f1) KiB)"

# --- control data ------------------------------------------------------------------------
field() { dpkg-deb -f "$deb" "$1"; }
[ "$(field Package)" = chainbot ] || fail "Package: $(field Package)"
[ "$(field Architecture)" = "$arch" ] || fail "Architecture: $(field Architecture), expected $arch"
depends="$(field Depends)"
for dep in adduser libc6 libstdc++6 libboost-json1.81.0 libsoci-core4.0 libsoci-sqlite3-4.0 \
           libsoci-postgresql4.0 libpq5 libssl3 libgpiod2 libyaml-cpp0.7 libfmt9 libtomlplusplus3; do
  [[ ", $depends," == *", $dep "* || ", $depends," == *", $dep,"* ]] || fail "Depends lacks $dep: $depends"
done
ok "control: chainbot $arch, Depends: $depends"

mkdir -p "$tmp/control"
dpkg-deb -e "$deb" "$tmp/control"
[ "$(cat "$tmp/control/conffiles")" = "$(printf '%s\n' /etc/alex_os/chainbot/default.yaml /etc/logrotate.d/alex_os)" ] \
  || fail "conffiles: $(cat "$tmp/control/conffiles")"
for script in postinst prerm postrm; do
  [ -x "$tmp/control/$script" ] || fail "$script missing or not executable"
  sh -n "$tmp/control/$script" || fail "$script: syntax error"
done
if command -v shellcheck >/dev/null; then
  shellcheck -s sh "$tmp/control/postinst" "$tmp/control/prerm" "$tmp/control/postrm" || fail "shellcheck"
  ok "maintainer scripts: executable, sh -n and shellcheck clean"
else
  ok "maintainer scripts: executable and sh -n clean (shellcheck not installed: skipped)"
fi

# postinst configure on a machine without the user: every command it runs is a stub that
# records its arguments (nothing is changed here).
stubs="$tmp/stubs"
mkdir -p "$stubs"
for cmd in getent addgroup adduser install systemctl udevadm; do
  printf '#!/bin/sh\necho "%s $*" >>"%s"\n%s\n' "$cmd" "$tmp/postinst.calls" \
    "$([ "$cmd" = getent ] && echo 'exit 2' || echo 'exit 0')" >"$stubs/$cmd"
  chmod +x "$stubs/$cmd"
done
PATH="$stubs:$PATH" sh "$tmp/control/postinst" configure "" || fail "postinst configure exited $?"
for expected in \
  "addgroup --system --quiet alex_os" \
  "adduser --system --quiet --ingroup alex_os --home /var/lib/alex_os --no-create-home --shell /usr/sbin/nologin --gecos ALEX OS host alex_os" \
  "addgroup --system --quiet gpio" \
  "adduser --quiet alex_os gpio" \
  "install -d -o alex_os -g alex_os -m 0750 /var/lib/alex_os /var/lib/alex_os/chainbot" \
  "install -d -o alex_os -g adm -m 2750 /var/log/alex_os"; do
  grep -qxF "$expected" "$tmp/postinst.calls" || { cat "$tmp/postinst.calls" >&2; fail "postinst did not run: $expected"; }
done
ok "postinst configure (stubbed): creates alex_os (in gpio), /var/lib/alex_os, /var/log/alex_os"

# --- files -------------------------------------------------------------------------------
root="$tmp/root"
dpkg-deb -x "$deb" "$root"
(cd "$root" && find . \( -type f -o -type l \) | sed 's|^\.||' | sort) >"$tmp/files"
sort >"$tmp/files.expected" <<'LIST'
/etc/alex_os/chainbot/default.yaml
/etc/logrotate.d/alex_os
/lib/systemd/system/alex_os.service
/lib/udev/rules.d/60-alex_os-gpio.rules
/usr/bin/alex_os
/usr/include/alex_module.h
/usr/lib/alex_os/modules/chainbot/default.yaml
/usr/lib/alex_os/modules/chainbot/libchainbot.so
/usr/lib/alex_os/modules/chainbot/libchainbot_postgresql.so
/usr/lib/alex_os/modules/chainbot/module.json
/usr/share/cmake/alex_module/alex_module-config-version.cmake
/usr/share/cmake/alex_module/alex_module-config.cmake
/usr/share/pkgconfig/alex_module.pc
LIST
diff -u "$tmp/files.expected" "$tmp/files" || fail "the package's files differ from the expected list"
[ -x "$root/usr/bin/alex_os" ] || fail "/usr/bin/alex_os is not executable"
# The host linked with jemalloc (ALEX_OS_JEMALLOC, the default) must bring it in as a dependency.
if readelf -d "$root/usr/bin/alex_os" | grep -q 'NEEDED.*libjemalloc'; then
  [[ ", $depends," == *", libjemalloc2 "* || ", $depends," == *", libjemalloc2,"* ]] \
    || fail "alex_os needs libjemalloc.so.2, but Depends lacks libjemalloc2: $depends"
  ok "alex_os allocates through jemalloc, and Depends has libjemalloc2"
fi
link="$(readlink "$root/usr/lib/alex_os/modules/chainbot/default.yaml")"
[ "$link" = ../../../../../etc/alex_os/chainbot/default.yaml ] || fail "default.yaml links to $link"
grep -qx '  data_dir: /var/lib/alex_os/chainbot' "$root/etc/alex_os/chainbot/default.yaml" || fail "conffile data_dir"
grep -qx '  file: /var/log/alex_os/chainbot.log' "$root/etc/alex_os/chainbot/default.yaml" || fail "conffile logging.file"
unit="$root/lib/systemd/system/alex_os.service"
for line in User=alex_os Group=alex_os "ExecStart=/usr/bin/alex_os run" Environment=ALEX_OS_HOME=/var/lib/alex_os \
            "ReadWritePaths=/var/lib/alex_os /var/log/alex_os" WantedBy=multi-user.target; do
  grep -qxF "$line" "$unit" || fail "alex_os.service lacks $line"
done
ok "files: the expected list, default.yaml -> /etc conffile with the packaged data and log paths"

if command -v systemd-analyze >/dev/null; then
  # The unit as packaged but for ExecStart=, pointed at the unpacked /usr/bin/alex_os (verify
  # checks that the command exists). Any message about the unit (unknown keys too) fails.
  mkdir -p "$tmp/unit"
  sed "s|^ExecStart=/usr/bin/alex_os |ExecStart=$root/usr/bin/alex_os |" "$unit" >"$tmp/unit/alex_os.service"
  if ! systemd-analyze verify --man=no "$tmp/unit/alex_os.service" >"$tmp/verify.log" 2>&1 \
     || grep -q "alex_os.service" "$tmp/verify.log"; then
    cat "$tmp/verify.log" >&2
    fail "systemd-analyze verify alex_os.service"
  fi
  ok "systemd-analyze verify alex_os.service: clean"
else
  ok "systemd-analyze verify: skipped (systemd-analyze not installed; apt-get install systemd)"
fi

# --- the ABI header for other hosts: find_package and pkg-config ----------------------------
printf '#include <alex_module.h>\nint main(void) { return ALEX_ABI_MAJOR(ALEX_ABI_VERSION) == 1 ? 0 : 1; }\n' \
  >"$tmp/consumer.c"
pc_cflags="$(PKG_CONFIG_PATH="$root/usr/share/pkgconfig" pkg-config --define-prefix --cflags alex_module)" \
  || fail "pkg-config alex_module"
# shellcheck disable=SC2086 # word splitting wanted: the flags
cc $pc_cflags -o "$tmp/consumer_pc" "$tmp/consumer.c" || fail "compiling with pkg-config --cflags alex_module: $pc_cflags"
"$tmp/consumer_pc" || fail "consumer built through pkg-config returned $?"
mkdir -p "$tmp/consumer"
cat >"$tmp/consumer/CMakeLists.txt" <<CMAKE
cmake_minimum_required(VERSION 3.16)
project(consumer C)
find_package(alex_module 1.1 CONFIG REQUIRED)
add_executable(consumer $tmp/consumer.c)
target_link_libraries(consumer PRIVATE alex_module::alex_module)
CMAKE
if ! { cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DCMAKE_PREFIX_PATH="$root/usr" \
       && cmake --build "$tmp/consumer/build"; } >"$tmp/consumer.log" 2>&1; then
  cat "$tmp/consumer.log" >&2
  fail "a CMake project could not use find_package(alex_module 1.1)"
fi
"$tmp/consumer/build/consumer" || fail "consumer built through find_package returned $?"
ok "ABI header: pkg-config alex_module ($(PKG_CONFIG_PATH="$root/usr/share/pkgconfig" pkg-config --modversion alex_module)) and find_package(alex_module 1.1)"

# --- the packaged host -------------------------------------------------------------------
port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
port=""
for _ in $(seq 20); do
  candidate=$((20000 + RANDOM % 12000))  # below the kernel's ephemeral range (32768-60999): no outgoing connection holds it
  port_in_use "$candidate" || { port="$candidate"; break; }
done
[ -n "$port" ] || fail "no free port"
# As an administrator would: edit the conffile (here: the throwaway root's data, log and port).
conf="$root/etc/alex_os/chainbot/default.yaml"
sed -i -e "s|^  data_dir: /var/lib/alex_os/chainbot\$|  data_dir: $tmp/var/lib/chainbot|" \
       -e "s|^  file: /var/log/alex_os/chainbot.log\$|  file: $tmp/var/log/chainbot.log|" \
       -e "s|^  port: 8000\$|  port: $port|" "$conf"
grep -qx "  port: $port" "$conf" || fail "could not set api.port in the unpacked conffile"

# No flags and no module path: the host must find <exe dir>/../lib/alex_os/modules/chainbot.
run_env=(env -u ALEX_OS_MODULES_DIR -u ALEX_OS_CHAINBOT_API_PORT -u ALEX_OS_CHAINBOT_MODULE_DATA_DIR
         -u ALEX_OS_CHAINBOT_DATABASE_URL -u ALEX_OS_CHAINBOT_LOGGING_FILE -u ALEX_OS_CHAINBOT_API_HOST
         ALEX_OS_HOME="$tmp/home")
"${run_env[@]}" "${emulator[@]}" "$root/usr/bin/alex_os" module list >"$tmp/module-list.txt" 2>&1 || fail "alex_os module list: $(cat "$tmp/module-list.txt")"
grep -q "chainbot" "$tmp/module-list.txt" || fail "alex_os module list does not show chainbot: $(cat "$tmp/module-list.txt")"
(cd "$tmp" && exec "${run_env[@]}" "${emulator[@]}" "$root/usr/bin/alex_os" run </dev/null >"$tmp/host.log" 2>&1) &
host_pid=$!
status=""
for _ in $(seq 600); do
  status="$(curl -s -o "$tmp/health.json" -w '%{http_code}' "http://127.0.0.1:$port/api/chainbot/health" || true)"
  [ "$status" = 200 ] && break
  kill -0 "$host_pid" 2>/dev/null || { cat "$tmp/host.log" >&2; fail "the packaged alex_os exited before answering"; }
  sleep 0.1
done
[ "$status" = 200 ] || { cat "$tmp/host.log" >&2; fail "GET /api/chainbot/health answered ${status:-nothing} (port $port)"; }
ok "packaged /usr/bin/alex_os run${emulator:+ (under ${emulator[*]})}: GET /api/chainbot/health -> 200 $(head -c 200 "$tmp/health.json")"
[ -f "$tmp/var/lib/chainbot/chainbot.db" ] || fail "no database in the conffile's data_dir"
[ -s "$tmp/var/log/chainbot.log" ] || fail "nothing logged to the conffile's logging.file"
ok "the conffile was read: database in its data_dir, log in its logging.file"

sleep 2
# The host process itself (the subshell exec'd env, which exec'd alex_os or the emulator).
rss="$(awk '/^VmRSS/ {print $2 " " $3}' "/proc/$host_pid/status")"
hwm="$(awk '/^VmHWM/ {print $2 " " $3}' "/proc/$host_pid/status")"
echo "installed host idle RSS${emulator:+ (of the emulator)}: $rss (peak $hwm) [$(readlink "/proc/$host_pid/exe")]"

kill -TERM "$host_pid"
code=""
for _ in $(seq 200); do
  if ! kill -0 "$host_pid" 2>/dev/null; then
    wait "$host_pid" && code=0 || code=$?
    break
  fi
  sleep 0.1
done
[ -n "$code" ] || fail "alex_os did not stop within 20 s of SIGTERM"
host_pid=""
[ "$code" = 0 ] || { cat "$tmp/host.log" >&2; fail "alex_os exited $code after SIGTERM"; }
ok "SIGTERM: the packaged host stopped cleanly"
