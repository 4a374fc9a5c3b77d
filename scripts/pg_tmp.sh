# A throwaway PostgreSQL cluster (with PostGIS, optionally pgRouting) on a
# unix socket in a temporary folder: nothing listens on the network and
# nothing outlives pg_tmp_stop. Source it, then:
#
#   source scripts/pg_tmp.sh
#   pg_tmp_start [--pgrouting]   # installs missing Debian packages, starts the
#                                # cluster, creates database "gr" with postgis
#                                # (and pgrouting), exports PGHOST PGPORT
#                                # PGUSER PGDATABASE and PG_TMP_DIR
#   psql -c 'select postgis_version()'
#   pg_tmp_stop                  # stops the server and removes the folder
#
# initdb refuses to run as root, so as root the cluster belongs to the
# `postgres` system user (created by the Debian package) via runuser.
# Durability is switched off (fsync, synchronous_commit): the data is
# scratch and only speed matters.

pg_tmp__as_owner() {
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

pg_tmp_start() {
  local want_routing=0
  [ "${1:-}" = "--pgrouting" ] && want_routing=1
  local here
  here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
  bash "$here/deps.sh" postgresql postgresql-contrib >&2
  local major
  major="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  local pkgs=("postgresql-$major-postgis-3")
  [ "$want_routing" = 1 ] && pkgs+=("postgresql-$major-pgrouting")
  bash "$here/deps.sh" "${pkgs[@]}" >&2
  local bin="/usr/lib/postgresql/$major/bin"

  PG_TMP_DIR="$(mktemp -d /tmp/gr-pg.XXXXXX)"
  chmod 755 "$PG_TMP_DIR"
  [ "$(id -u)" -eq 0 ] && chown postgres: "$PG_TMP_DIR"
  pg_tmp__as_owner "$bin/initdb" -D "$PG_TMP_DIR/data" -A trust -U postgres \
    --no-sync -E UTF8 --locale=C >"$PG_TMP_DIR/initdb.log" 2>&1 || {
    cat "$PG_TMP_DIR/initdb.log" >&2; return 1; }
  pg_tmp__as_owner "$bin/pg_ctl" -D "$PG_TMP_DIR/data" -l "$PG_TMP_DIR/server.log" -w \
    -o "-k $PG_TMP_DIR -c listen_addresses='' -c fsync=off -c synchronous_commit=off \
        -c full_page_writes=off -c shared_buffers=2GB -c work_mem=256MB \
        -c maintenance_work_mem=1GB -c max_wal_size=8GB -c jit=off" start >/dev/null || {
    cat "$PG_TMP_DIR/server.log" >&2; return 1; }
  export PGHOST="$PG_TMP_DIR" PGPORT=5432 PGUSER=postgres PGDATABASE=gr PG_TMP_DIR
  createdb gr || return 1
  psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION postgis' >/dev/null || return 1
  if [ "$want_routing" = 1 ]; then
    psql -qX -v ON_ERROR_STOP=1 -c 'CREATE EXTENSION pgrouting' >/dev/null || return 1
  fi
}

pg_tmp_stop() {
  [ -n "${PG_TMP_DIR:-}" ] && [ -d "$PG_TMP_DIR/data" ] || return 0
  local major
  major="$(ls /usr/lib/postgresql | sort -V | tail -1)"
  pg_tmp__as_owner "/usr/lib/postgresql/$major/bin/pg_ctl" -D "$PG_TMP_DIR/data" \
    -m fast -w stop >/dev/null 2>&1 || true
  rm -rf "$PG_TMP_DIR"
  unset PG_TMP_DIR PGHOST PGPORT PGUSER PGDATABASE
}
