#!/usr/bin/env bash
# Create the role and databases of the portal and the test suite (idempotent).
set -euo pipefail

DB_USER=${IMWG_DB_USER:-ckan_imwg}
DB_PASS=${IMWG_DB_PASS:-ckan_imwg}

if psql -h 127.0.0.1 -U postgres -d postgres -Atqc "select 1" >/dev/null 2>&1; then
  psql_su() { psql -h 127.0.0.1 -U postgres -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }
else
  psql_su() { runuser -u postgres -- psql -d postgres -v ON_ERROR_STOP=1 -Atq "$@"; }
fi

if [ "$(psql_su -c "select 1 from pg_roles where rolname = '$DB_USER'")" != "1" ]; then
  psql_su -c "create role $DB_USER login password '$DB_PASS'"
  echo "db: created role $DB_USER"
fi
for db in "$@"; do
  if [ "$(psql_su -c "select 1 from pg_database where datname = '$db'")" != "1" ]; then
    psql_su -c "create database $db owner $DB_USER encoding 'utf8' template template0"
    echo "db: created database $db"
  fi
done
# The test suite's databases commit without waiting for the disk: a server
# crash may lose their last transactions (never corrupt them); the portal's
# database keeps PostgreSQL's default.
for db in "$@"; do
  case "$db" in
    *_test | *_test_*) psql_su -c "alter database $db set synchronous_commit = off" ;;
  esac
done
