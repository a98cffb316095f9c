"""Alembic environment of this plugin's migrations (shared by the suite)."""

from ckanext.imwg.alembic_env import run

run(__file__)
