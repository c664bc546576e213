#!/usr/bin/env bash
# Install the Debian packages the test suite needs (headless Chromium and its driver,
# PostgreSQL and its client tools for backups, redis-server), start PostgreSQL and make sure the test role and database exist.
# Progress goes to stderr; the PostgreSQL test URL is printed on stdout.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql)
command -v pdftoppm >/dev/null 2>&1 || need+=(poppler-utils)  # PDF pages → PNG in the report tests
# WeasyPrint (PDF documents): Pango and the DejaVu fonts.
for pkg in libpango-1.0-0 libpangoft2-1.0-0 fonts-dejavu-core; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "ok installed" || need+=("$pkg")
done
command -v pg_dump >/dev/null 2>&1 || need+=(postgresql-client)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)  # shared login limits test
if ((${#need[@]})); then
  echo "setup: installing ${need[*]} from Debian" >&2
  sudo=""
  [ "$(id -u)" = 0 ] || sudo="sudo"
  $sudo apt-get update -q >&2
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends "${need[@]}" fonts-dejavu-core >&2
fi

version=$(ls /etc/postgresql | sort -V | tail -n 1)
pg_ctlcluster "$version" main start >/dev/null 2>&1 || true
port=$(pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" {print $3}')
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p "$port" && break
  sleep 1
done
as_postgres() { su postgres -c "$1" >&2; }
if ! su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_roles WHERE rolname = 'ocop'\"" | grep -q 1; then
  as_postgres "psql -p $port -qc \"CREATE ROLE ocop LOGIN PASSWORD 'ocop' CREATEDB\""
fi
if ! su postgres -c "psql -p $port -tAc \"SELECT 1 FROM pg_database WHERE datname = 'ocop_test'\"" | grep -q 1; then
  as_postgres "createdb -p $port -O ocop ocop_test"
fi
echo "postgresql://ocop:ocop@127.0.0.1:${port}/ocop_test"
