"""`ckan pcode load/stats/export` against the database."""

from __future__ import annotations

import ckan.model as model
import pytest
from ckan.cli.cli import ckan

from tests.imwg_pcode.files import GLOBAL

pytestmark = [
    pytest.mark.usefixtures("with_plugins", "clean_db"),
    pytest.mark.ckan_config("ckan.plugins", "imwg_pcode"),
]


def units():
    model.Session.remove()
    rows = model.Session.execute("select pcode, level, parent, name, retired_at is not null from imwg_pcode_unit")
    return {r[0]: tuple(r[1:]) for r in rows}


def load(cli, path, code=0):
    result = cli.invoke(ckan, ["pcode", "load", str(path)])
    assert result.exit_code == code, result.output
    return result.output


@pytest.fixture
def global_file(tmp_path):
    path = tmp_path / "global.csv"
    path.write_text(GLOBAL)
    return path


def test_load_and_summary(cli, global_file):
    """Loading writes every unit and reports what was added per country and level."""
    out = load(cli, global_file)
    assert "5 added, 0 changed, 0 retired, 0 unchanged" in out
    assert "MMR  admin 0: +1; admin 1: +2; admin 2: +1; admin 3: +1" in out
    assert units()["MMR001002"] == (3, "MMR001", "Waingmaw", False)


def test_load_refreshes_planner_statistics(cli, global_file):
    """After a load the planner knows how many units there are (ANALYZE), so
    lookups use the indexes at once, not after autovacuum's next round."""
    load(cli, global_file)
    model.Session.remove()
    estimated = model.Session.execute("select reltuples from pg_class where relname = 'imwg_pcode_unit'").scalar()
    assert estimated == len(units()) == 5


def test_reload_is_idempotent(cli, global_file):
    """Loading the same file again changes nothing."""
    load(cli, global_file)
    assert "0 added, 0 changed, 0 retired, 5 unchanged" in load(cli, global_file)


def test_newer_version_renames_and_retires(cli, global_file, tmp_path):
    """A newer file updates names and retires codes that are gone (kept, not deleted)."""
    load(cli, global_file)
    newer = tmp_path / "newer.csv"
    newer.write_text(
        GLOBAL.replace("Waingmaw", "Waingmaw Township").replace("MMR,1,MMR015,Shan (North),MMR,2019-12-01\n", "")
    )
    out = load(cli, newer)
    assert "0 added, 1 changed, 1 retired" in out
    assert units()["MMR001002"][2] == "Waingmaw Township"
    assert units()["MMR015"][3] is True
    assert "1 added" in load(cli, global_file) or "changed" in load(cli, global_file)
    assert units()["MMR015"][3] is False


def test_bad_file_loads_nothing(cli, global_file, tmp_path):
    """A bad file exits non-zero with file and line, and nothing of it is written."""
    load(cli, global_file)
    bad = tmp_path / "bad.csv"
    bad.write_text(GLOBAL.replace("Kachin", "Kachin State") + "MMR,2,MMR099001,Nowhere,MMR099,2019-12-01\n")
    result = cli.invoke(ckan, ["pcode", "load", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv:6" in result.output
    assert "unknown parent MMR099" in result.output
    assert units()["MMR001"][2] == "Kachin"


def test_deeper_file_may_use_loaded_parents(cli, global_file, tmp_path):
    """A COD-AB file of level 3 units may hang them under units loaded before."""
    load(cli, global_file)
    deeper = tmp_path / "mmr_adm3.csv"
    deeper.write_text("adm0_pcode,adm1_pcode,adm3_pcode,adm3_name\nMMR,MMR001,MMR001003,Momauk\n")
    assert "1 added" in load(cli, deeper)
    assert units()["MMR001003"] == (3, "MMR001", "Momauk", False)


def test_stats_and_export_round_trip(cli, global_file, tmp_path, reset_db, migrate_db_for):
    """stats counts units per country and level; export loads back unchanged."""
    load(cli, global_file)
    stats = cli.invoke(ckan, ["pcode", "stats"]).output
    assert "MMR" in stats
    assert "total" in stats
    assert " 5 " in stats
    exported = tmp_path / "export.csv"
    assert cli.invoke(ckan, ["pcode", "export", str(exported)]).exit_code == 0
    before = units()
    assert "0 added, 0 changed, 0 retired, 5 unchanged" in load(cli, exported)
    reset_db()
    migrate_db_for("imwg_pcode")
    load(cli, exported)
    assert units() == before
