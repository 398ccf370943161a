# Sourced by scripts/test: makes sure a PostgreSQL server runs on this machine and creates a
# fresh database for this run; exports KBSMITH_TEST_POSTGRES_URL and drops the database on exit.
pg_host="${KBSMITH_TEST_PG_HOST:-127.0.0.1}"
pg_port="${KBSMITH_TEST_PG_PORT:-5432}"
pg_user="${KBSMITH_TEST_PG_USER:-postgres}"

pg_ready() { pg_isready -q -h "$pg_host" -p "$pg_port" 2>/dev/null; }

ensure_postgres() {
  if ! command -v pg_ctlcluster >/dev/null 2>&1 && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    echo "installing PostgreSQL from the system's packages..."
    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  fi
  if ! pg_ready && command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "starting PostgreSQL..."
    version="$(ls /etc/postgresql | sort -V | tail -n 1)"
    pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
    for _ in $(seq 1 30); do pg_ready && break; sleep 1; done
  fi
  pg_ready
}

if ensure_postgres; then
  pg_db="kbsmith_test_$(date +%s)_$$"
  psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres -c "CREATE DATABASE $pg_db" >/dev/null
  export KBSMITH_TEST_POSTGRES_URL="postgresql+psycopg://$pg_user@$pg_host:$pg_port/$pg_db"
  drop_test_database() {
    psql -q -h "$pg_host" -p "$pg_port" -U "$pg_user" -d postgres \
      -c "DROP DATABASE IF EXISTS $pg_db WITH (FORCE)" >/dev/null 2>&1 || true
  }
  trap drop_test_database EXIT
else
  echo "PostgreSQL is not available: the PostgreSQL tests will fail (KBSMITH_REQUIRE_POSTGRES=1)" >&2
fi
