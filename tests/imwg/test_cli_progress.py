"""Long command-line work shows a progress bar with an estimate on a terminal
(standard error; none when piped or with ``--quiet``) and ends with a
one-line summary: the gazetteer load and export, the P-code coverage
back-fill and the back-fill of every analysis of uploaded files."""

from __future__ import annotations

import io
import os
import pty
import re
import subprocess
import sys
import time
from pathlib import Path

import ckan.model as model
import ckan.plugins.toolkit as tk
import pytest
from ckan.cli.cli import ckan

from ckanext.imwg import progress as progressing
from tests.imwg_pcode.files import GLOBAL
from tests.support import editor_dataset, write_ini

CKAN = str(Path(sys.executable).parent / "ckan")
PLUGINS = "activity imwg scheming_datasets scheming_organizations imwg_pcode imwg_search"
#: "... (in 0.3 s)", "... (in 2 min 05 s)"
TOOK = r" \(in (\d+\.\d s|\d+ s|\d+ min \d\d s|\d+ h \d\d min)\)"
CSV = "Township,Township P-code,Affected\n#adm3+name,#adm3+code,#affected\nWaingmaw,MMR001002,120\n"


class Terminal(io.StringIO):
    """A stream that says it is a terminal."""

    def isatty(self) -> bool:
        return True


class TestTheBar:
    def test_drawn_on_a_terminal_with_position_percent_and_estimate(self):
        out = Terminal()
        with progressing.progress(4, "Loading", file=out) as bar:
            assert bar.shown
            for step in range(4):
                bar.update(1, label=f"step {step}")
        drawn = out.getvalue()
        assert "\r" in drawn  # redrawn in place
        assert "4/4" in drawn and "100%" in drawn
        assert "step 3" in drawn
        assert bar.done == 4

    def test_not_drawn_when_piped_or_quiet(self):
        for out, quiet in ((io.StringIO(), False), (Terminal(), True)):
            with progressing.progress(4, "Loading", quiet=quiet, file=out) as bar:
                bar.update(4)
            assert out.getvalue() == ""
            assert not bar.shown and bar.done == 4

    def test_lengthened_when_more_work_turns_up(self):
        out = Terminal()
        with progressing.progress(2, "Pushing", file=out) as bar:
            bar.update(2)
            bar.extend(2)
            bar.update(2)
        assert "4/4" in out.getvalue()

    @pytest.mark.parametrize(
        "seconds, said", [(0.04, "0.0 s"), (3.26, "3.3 s"), (42, "42 s"), (125, "2 min 05 s"), (3725, "1 h 02 min")]
    )
    def test_durations(self, seconds, said):
        assert progressing.duration(seconds) == said

    def test_summary_says_how_long(self):
        assert re.fullmatch("5 added" + TOOK, progressing.summary("5 added", started=time.monotonic()))


@pytest.mark.usefixtures("with_plugins", "clean_db")
@pytest.mark.ckan_config("ckan.plugins", PLUGINS)
class TestCommands:
    @pytest.fixture
    def gazetteer_file(self, tmp_path):
        path = tmp_path / "global.csv"
        path.write_text(GLOBAL)
        return path

    def test_load_ends_with_its_summary(self, cli, gazetteer_file):
        result = cli.invoke(ckan, ["pcode", "load", str(gazetteer_file)])
        assert result.exit_code == 0, result.output
        last = result.output.splitlines()[-1]
        assert re.fullmatch(r"5 added, 0 changed, 0 retired, 0 unchanged" + TOOK, last), last
        assert "\r" not in result.output  # not a terminal: no bar

    def test_a_bad_file_ends_with_a_summary_and_exit_code_1(self, cli, tmp_path):
        bad = tmp_path / "bad.csv"
        bad.write_text(GLOBAL + "MMR,2,MMR099001,Nowhere,MMR099,2019-12-01\n")
        result = cli.invoke(ckan, ["pcode", "load", str(bad)])
        assert result.exit_code == 1
        assert re.search(r"^Nothing loaded: 1 error\(s\) in .*bad\.csv" + TOOK + "$", result.output, re.M)

    def test_export_ends_with_its_summary(self, cli, gazetteer_file, tmp_path):
        assert cli.invoke(ckan, ["pcode", "load", "--quiet", str(gazetteer_file)]).exit_code == 0
        exported = tmp_path / "export.csv"
        result = cli.invoke(ckan, ["pcode", "export", str(exported)])
        assert result.exit_code == 0, result.output
        assert re.fullmatch(f"5 units written to {re.escape(str(exported))}" + TOOK, result.output.splitlines()[-1])

    def test_coverage_and_analyses_back_fills(self, cli, gazetteer_file, create_with_upload, tmp_path):
        """The back-fills read the uploaded files the job has not read (here: no
        worker ran), then, run again, find nothing new."""
        from ckanext.imwg_pcode import loader

        loader.load(gazetteer_file, model.Session)
        dataset = editor_dataset()
        for name in ("townships.csv", "townships2.csv"):
            create_with_upload(CSV, name, url=name, format="CSV", package_id=dataset["id"], context={"user": "editor"})
        model.Session.remove()
        # the commands see these plugins and where the uploads were stored
        ini = write_ini(
            tmp_path / "cli.ini", **{"ckan.plugins": PLUGINS, "ckan.storage_path": tk.config["ckan.storage_path"]}
        )

        def run(*args):
            return cli.invoke(ckan, ["-c", str(ini), *args])

        result = run("pcode", "coverage")
        assert result.exit_code == 0, result.output
        assert re.fullmatch("2 file\\(s\\) checked: 2 done" + TOOK, result.output.splitlines()[-1]), result.output
        result = run("pcode", "coverage", "--quiet")
        assert re.fullmatch("2 file\\(s\\) checked: 2 unchanged" + TOOK, result.output.splitlines()[-1]), result.output
        # every analysis of the enabled plugins (here the coverage only, already done)
        result = run("imwg", "analyse", "--quiet")
        assert result.exit_code == 0, result.output
        assert re.fullmatch(
            "2 file\\(s\\) analysed: coverage 2 unchanged" + TOOK, result.output.splitlines()[-1]
        ), result.output

    def test_the_bar_is_drawn_on_a_terminal(self, gazetteer_file, tmp_path):
        """Run as a person runs it, standard error on a terminal: the bar is
        drawn there, standard output has the summary only."""
        ini = write_ini(tmp_path / "cli.ini", **{"ckan.plugins": "imwg imwg_pcode"})
        terminal, screen = pty.openpty()
        try:
            done = subprocess.run(
                [CKAN, "-c", str(ini), "pcode", "load", str(gazetteer_file)],
                stdout=subprocess.PIPE,
                stderr=screen,
                text=True,
                timeout=120,
            )
            os.close(screen)
            drawn = b""
            while True:
                try:
                    chunk = os.read(terminal, 65536)
                except OSError:
                    break
                if not chunk:
                    break
                drawn += chunk
        finally:
            os.close(terminal)
        assert done.returncode == 0, done.stdout
        assert re.search(r"\r.*writing.*\[#+-*\]\s+\d/3", drawn.decode()), drawn[-500:]
        assert "100%" in drawn.decode()
        assert re.fullmatch(r"5 added, 0 changed, 0 retired, 0 unchanged" + TOOK, done.stdout.splitlines()[-1])

        quiet = subprocess.run(
            [CKAN, "-c", str(ini), "pcode", "export", "--quiet", str(tmp_path / "out.csv")],
            capture_output=True,
            text=True,
            timeout=120,
        )
        assert quiet.returncode == 0
        assert "\r" not in quiet.stderr
