#!/usr/bin/env bash
# Runs CMD with a throwaway PostgreSQL server for the store tests:
#   scripts/with-postgres.sh ctest --test-dir build -L store
# When CHAINBOT_TEST_PG_URL is already set, CMD just runs against that server.
# Otherwise: initdb + pg_ctl in a temporary directory (as the postgres user when run as
# root: the server refuses root), listening only on 127.0.0.1 on a free port, socket in
# that directory, trust auth (nothing else can reach it). Exports for CMD:
#   CHAINBOT_TEST_PG_URL  postgresql://postgres@127.0.0.1:<port>/chainbot_test
#   CHAINBOT_TEST_PG_CTL  a pg_ctl command line for this cluster; append "stop -m fast -w"
#                         or "start -w" (tests stop and restart the server with it)
# The server is stopped and the directory removed on exit, whatever CMD does.
set -euo pipefail

if [ $# -eq 0 ]; then
  echo "usage: $0 CMD [ARGS...]" >&2
  exit 2
fi
if [ -n "${CHAINBOT_TEST_PG_URL:-}" ]; then
  exec "$@"
fi

bin=""
for d in /usr/lib/postgresql/*/bin; do
  [ -x "$d/initdb" ] && bin="$d"  # the glob sorts, so the last one is the newest
done
if [ -z "$bin" ]; then
  echo "with-postgres: no PostgreSQL server under /usr/lib/postgresql/*/bin (apt-get install postgresql)" >&2
  exit 1
fi

dir="$(mktemp -d /tmp/chainbot-pg.XXXXXX)"
as_pg=()
if [ "$(id -u)" -eq 0 ]; then
  if ! id postgres >/dev/null 2>&1; then
    echo "with-postgres: running as root but there is no postgres user to run the server as" >&2
    rm -rf "$dir"
    exit 1
  fi
  chown postgres:postgres "$dir"
  as_pg=(runuser -u postgres --)
fi
chmod 700 "$dir"
data="$dir/data"
log="$dir/server.log"
ctl=("${as_pg[@]}" "$bin/pg_ctl" -D "$data" -l "$log")

cleanup() {
  "${ctl[@]}" stop -m fast -w >/dev/null 2>&1 || true
  rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

fail() {
  echo "with-postgres: $1" >&2
  [ -f "$2" ] && sed 's/^/  | /' "$2" >&2
  exit 1
}

"${as_pg[@]}" "$bin/initdb" -D "$data" -U postgres --auth=trust -E UTF8 --no-locale --no-sync \
  >"$dir/initdb.log" 2>&1 || fail "initdb failed" "$dir/initdb.log"

port_in_use() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

started=""
for _ in 1 2 3 4 5 6 7 8; do
  port=$((20000 + RANDOM % 12000))  # below the kernel's ephemeral range (32768-60999): no outgoing connection holds it
  port_in_use "$port" && continue
  # Settings go into the cluster's own config so that a bare "pg_ctl start" restores them.
  cat >"$data/postgresql.auto.conf" <<EOF
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
max_connections = 200
EOF
  [ ${#as_pg[@]} -gt 0 ] && chown postgres:postgres "$data/postgresql.auto.conf"
  if "${ctl[@]}" start -w -t 30 >/dev/null 2>&1; then
    started=yes
    break
  fi
done
[ -n "$started" ] || fail "the PostgreSQL server did not start" "$log"

"${as_pg[@]}" "$bin/createdb" -h 127.0.0.1 -p "$port" -U postgres chainbot_test \
  >"$dir/createdb.log" 2>&1 || fail "createdb failed" "$dir/createdb.log"

export CHAINBOT_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/chainbot_test"
printf -v CHAINBOT_TEST_PG_CTL '%q ' "${ctl[@]}"
export CHAINBOT_TEST_PG_CTL="${CHAINBOT_TEST_PG_CTL% }"
echo "with-postgres: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port ($dir)" >&2

set +e
"$@"
status=$?
set -e
exit "$status"
