"""The alembic environment shared by the suite's plugin migrations.

Each plugin's ``migration/<plugin>/env.py`` calls :func:`run`; the folder
name is the plugin name: it prefixes the version table
(``<plugin>_alembic_version``) and limits autogenerate to the plugin's tables.
"""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from ckan.model.meta import metadata
from sqlalchemy import engine_from_config, pool


def run(env_file: str) -> None:
    """Run the migrations of the plugin whose ``env.py`` is ``env_file``."""
    config = context.config
    if config.config_file_name:
        fileConfig(config.config_file_name, disable_existing_loggers=False)
    name = os.path.basename(os.path.dirname(env_file))

    def include_object(obj, object_name, type_, reflected, compare_to):
        return type_ != "table" or object_name.startswith(name)

    options = {
        "target_metadata": metadata,
        "version_table": f"{name}_alembic_version",
        "include_object": include_object,
    }
    if context.is_offline_mode():
        context.configure(url=config.get_main_option("sqlalchemy.url"), literal_binds=True, **options)
        with context.begin_transaction():
            context.run_migrations()
        return
    engine = engine_from_config(
        config.get_section(config.config_ini_section) or {}, prefix="sqlalchemy.", poolclass=pool.NullPool
    )
    with engine.connect() as connection:
        context.configure(connection=connection, **options)
        with context.begin_transaction():
            context.run_migrations()
