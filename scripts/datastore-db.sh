#!/usr/bin/env bash
# The DataStore database of the test suite (tests/imwg_sensitivity check that
# the datastore's read actions and datatables previews follow the sharing
# protocol): a database of its own, a read-only role, and the permissions
# CKAN's `datastore set-permissions` prints (idempotent).
set -euo pipefail
CKAN=${CKAN:-.venv/bin/ckan}
DB=${IMWG_DATASTORE_DB:-ckan_imwg_datastore_test}
RO_USER=${IMWG_DATASTORE_RO_USER:-ckan_imwg_ro}
RO_PASS=${IMWG_DATASTORE_RO_PASS:-ckan_imwg_ro}

if psql -h 127.0.0.1 -U postgres -d postgres -Atqc "select 1" >/dev/null 2>&1; then
  psql_su() { psql -h 127.0.0.1 -U postgres -v ON_ERROR_STOP=1 -Atq "$@"; }
else
  psql_su() { runuser -u postgres -- psql -v ON_ERROR_STOP=1 -Atq "$@"; }
fi

bash "$(dirname "$0")/db.sh" "$DB"
if [ "$(psql_su -d postgres -c "select 1 from pg_roles where rolname = '$RO_USER'")" != "1" ]; then
  psql_su -d postgres -c "create role $RO_USER login password '$RO_PASS'"
  echo "db: created role $RO_USER"
fi
ini=$(mktemp --suffix=.ini)
trap 'rm -f "$ini"' EXIT
# test.ini with the DataStore (the suite's own helper writes it)
"$(dirname "$CKAN")/python" - "$ini" "$DB" "$RO_USER" "$RO_PASS" <<'PY'
import sys
from pathlib import Path

sys.path.insert(0, ".")
from tests.support import write_ini

ini, db, ro_user, ro_pass = sys.argv[1:]
write_ini(
    Path(ini),
    **{
        "ckan.plugins": "datastore",
        "ckan.datastore.write_url": f"postgresql://ckan_imwg:ckan_imwg@127.0.0.1:5432/{db}",
        "ckan.datastore.read_url": f"postgresql://{ro_user}:{ro_pass}@127.0.0.1:5432/{db}",
    },
)
PY
"$CKAN" -c "$ini" datastore set-permissions 2>/dev/null | psql_su -d "$DB" >/dev/null
