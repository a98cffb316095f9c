"""Fixtures of the imports' tests: a gazetteer with boundaries is loaded."""

from __future__ import annotations

import pytest


@pytest.fixture
def colombia(tmp_path):
    """The test gazetteer (``gazetteer_support``) loaded with its boundaries."""
    from tests.imwg_imsma import gazetteer_support

    gazetteer_support.load(tmp_path)
