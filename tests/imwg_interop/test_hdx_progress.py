"""``ckan hdx push`` and ``pull`` show their progress on a terminal (a bar
lengthened when withdrawals turn up; the summary line is tested in test_hdx_exchange.py)."""

from __future__ import annotations

import io

from ckanext.imwg_interop.hdx.cli import _Track
from ckanext.imwg_interop.hdx.remote import Outcome


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_bar_follows_the_datasets_and_grows_with_withdrawals():
    screen = Terminal()
    with _Track("Pushing to HDX", quiet=False, file=screen) as track:
        track.planned(2)
        track.done(Outcome("a", "created"))
        track.done(Outcome("b", "unchanged"))
        track.planned(1)  # a copy on HDX to withdraw
        track.done(None)
    drawn = screen.getvalue()
    assert "3/3" in drawn and "100%" in drawn
    assert "\r" in drawn


def test_quiet_draws_nothing():
    screen = Terminal()
    with _Track("Pulling from HDX", quiet=True, file=screen) as track:
        track.planned(1)
        track.done(Outcome("a", "created"))
    assert screen.getvalue() == ""
