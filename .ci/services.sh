#!/usr/bin/env bash
# Database servers the tests and benchmarks need, for .ci/run (sourced): PostgreSQL on
# 127.0.0.1:$PG_PORT with trust auth, and Redis on 127.0.0.1:$REDIS_PORT (BullMQ bench).
# A server that already answers is used as it is; otherwise Debian's package is installed (when
# missing) and a server is started. Only a cluster this script creates is configured by it.
#
# Settings (environment): PRISMQ_CI_PG_PORT (5432), PRISMQ_CI_PG_CLUSTER (main),
# PRISMQ_CI_REDIS_PORT (6379). Exports PRISMQ_PG_URL.

PG_PORT="${PRISMQ_CI_PG_PORT:-5432}"
PG_CLUSTER="${PRISMQ_CI_PG_CLUSTER:-main}"
REDIS_PORT="${PRISMQ_CI_REDIS_PORT:-6379}"

ci_apt_install() {
  export DEBIAN_FRONTEND=noninteractive
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "ci: $* missing and no apt-get on this machine: install it by hand" >&2
    return 1
  fi
  # A container without an init system: keep the package scripts from starting services.
  apt-get update -qq
  apt-get install -y -qq "$@" >/dev/null
}

pg_answers() {
  command -v pg_isready >/dev/null 2>&1 && pg_isready -q -h 127.0.0.1 -p "$PG_PORT"
}

# Waits up to 30 s for the server to accept connections.
pg_wait() {
  local i
  for i in $(seq 1 60); do
    if pg_answers; then return 0; fi
    sleep 0.5
  done
  echo "ci: PostgreSQL did not come up on 127.0.0.1:$PG_PORT" >&2
  return 1
}

ensure_postgres() {
  if pg_answers; then
    echo "ci: PostgreSQL already answers on 127.0.0.1:$PG_PORT: using it"
  else
    if ! command -v pg_createcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
      echo "ci: no PostgreSQL server answers and none is installed: installing Debian's postgresql"
      ci_apt_install postgresql
    fi
    local ver
    ver="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
    if ! pg_lsclusters -h 2>/dev/null | awk '{print $1" "$2}' | grep -x "$ver $PG_CLUSTER" >/dev/null; then
      echo "ci: creating PostgreSQL $ver cluster '$PG_CLUSTER' on 127.0.0.1:$PG_PORT (trust auth)"
      pg_createcluster "$ver" "$PG_CLUSTER" -p "$PG_PORT" -- --auth=trust >/dev/null
    else
      echo "ci: PostgreSQL $ver cluster '$PG_CLUSTER' exists but is not answering: configuring and starting it"
    fi
    local conf="/etc/postgresql/$ver/$PG_CLUSTER"
    # The package's own cluster uses peer/scram auth; the tests connect as postgres over TCP.
    # conf.d is read after postgresql.conf (Debian's include_dir), so these settings win.
    mkdir -p "$conf/conf.d"
    printf '%s\n' "listen_addresses = '127.0.0.1'" "port = $PG_PORT" >"$conf/conf.d/prismq-ci.conf"
    printf '%s\n' \
      "local all all trust" \
      "host all all 127.0.0.1/32 trust" \
      "host all all ::1/128 trust" >"$conf/pg_hba.conf"
    pg_ctlcluster "$ver" "$PG_CLUSTER" restart || pg_ctlcluster "$ver" "$PG_CLUSTER" start
    pg_wait
  fi
  export PRISMQ_PG_URL="${PRISMQ_PG_URL:-postgres://postgres@127.0.0.1:$PG_PORT/postgres}"
  psql "$PRISMQ_PG_URL" -Atqc "select 'ci: ' || version()"
}

redis_answers() {
  command -v redis-cli >/dev/null 2>&1 && [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]
}

ensure_redis() {
  if redis_answers; then
    echo "ci: Redis already answers on 127.0.0.1:$REDIS_PORT: using it"
    return 0
  fi
  if ! command -v redis-server >/dev/null 2>&1; then
    echo "ci: no Redis answers and none is installed: installing Debian's redis-server"
    ci_apt_install redis-server
  fi
  echo "ci: starting redis-server on 127.0.0.1:$REDIS_PORT (no persistence)"
  redis-server --bind 127.0.0.1 --port "$REDIS_PORT" --daemonize yes --save "" --appendonly no >/dev/null
  local i
  for i in $(seq 1 60); do
    if redis_answers; then return 0; fi
    sleep 0.5
  done
  echo "ci: Redis did not come up on 127.0.0.1:$REDIS_PORT" >&2
  return 1
}
