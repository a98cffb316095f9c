"""A second CKAN standing in for HDX: its own database, HDX's field names
(``data/hdx_dataset.yaml``), served by ``ckan run`` on a loopback port."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import ckanapi
import sqlalchemy as sa

from tests.support import ROOT, live_server, write_ini

SCHEMA = Path(__file__).parent / "data" / "hdx_dataset.yaml"
CKAN = str(Path(sys.executable).parent / "ckan")
#: the HDX organisation and the country groups of the stand-in
HDX_ORG = "hdx-partner"
GROUPS = ("mmr", "hti")


def remote_database_url() -> str:
    """The stand-in's database: the suite's test database's name with ``_hdx``."""
    from ckan.common import config

    url = sa.engine.make_url(config["sqlalchemy.url"])
    return url.set(database=f"{url.database}_hdx").render_as_string(hide_password=False)


def ensure_database(url: str) -> None:
    """Create the stand-in's database when it is missing (``scripts/db.sh``, as ``make db`` does)."""
    name = sa.engine.make_url(url).database
    engine = sa.create_engine(sa.engine.make_url(url).set(database="postgres"))
    try:
        with engine.connect() as conn:
            exists = conn.execute(sa.text("select 1 from pg_database where datname = :n"), {"n": name}).first()
    finally:
        engine.dispose()
    if not exists:
        done = subprocess.run(["bash", str(ROOT / "scripts" / "db.sh"), name], capture_output=True, text=True)
        if done.returncode:
            raise RuntimeError(f"cannot create the database {name} (run: bash scripts/db.sh {name}):\n{done.stderr}")


def remote_options(url: str) -> dict[str, str]:
    return {
        "sqlalchemy.url": url,
        "ckan.site_id": "hdx-standin",
        "ckan.plugins": "imwg_search scheming_datasets",
        "scheming.dataset_schemas": SCHEMA.as_uri(),
        "scheming.presets": "ckanext.scheming:presets.json",
        "ckan.auth.create_unowned_dataset": "false",
    }


def _ckan(ini: Path, *args: str, answer: str = "") -> str:
    done = subprocess.run([CKAN, "-c", str(ini), *args], capture_output=True, text=True, timeout=180, input=answer)
    if done.returncode:
        raise RuntimeError(f"ckan {' '.join(args)} failed:\n{done.stdout[-2000:]}\n{done.stderr[-3000:]}")
    return done.stdout


@contextmanager
def hdx_standin(tmp: Path) -> Iterator[tuple[str, str]]:
    """A fresh stand-in (emptied, then created again) with a sysadmin, its
    organisation ``HDX_ORG`` and the country groups; yields (URL, API token)."""
    url = remote_database_url()
    ensure_database(url)
    options = remote_options(url)
    ini = write_ini(tmp / "hdx-admin.ini", **options)
    _ckan(ini, "db", "clean", "--yes")
    _ckan(ini, "db", "init")
    _ckan(ini, "db", "upgrade", "-p", "imwg_search")
    _ckan(ini, "sysadmin", "add", "hdx-admin", "email=admin@hdx.example.org", "password=Hdx-admin-2026", answer="y\n")
    token = _ckan(ini, "user", "token", "add", "hdx-admin", "push").strip().splitlines()[-1].strip()
    with live_server(tmp, **options) as base:
        with ckanapi.RemoteCKAN(base, apikey=token) as hdx:
            hdx.action.organization_create(name=HDX_ORG, title="HDX partner")
            for group in GROUPS:
                hdx.action.group_create(name=group, title=group.upper())
        yield base, token


def purge_datasets(base: str, token: str) -> None:
    """Empty the stand-in of datasets (between tests)."""
    with ckanapi.RemoteCKAN(base, apikey=token) as hdx:
        for name in hdx.action.package_list():
            hdx.action.dataset_purge(id=name)
