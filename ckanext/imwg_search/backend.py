"""A Solr connection that keeps the index in PostgreSQL.

:class:`PostgresSolrConnection` answers the part of pysolr's ``Solr`` API that
CKAN uses (``add``, ``delete``, ``search``, ``commit``), so CKAN's own
``PackageSearchIndex`` builds the documents and runs ``before_dataset_index``
and CKAN's own ``PackageSearchQuery`` builds the Solr parameters (site,
state, permission labels, dismax defaults); the connection only stores
(``writer``) and queries (``searcher``). Which writes join a dataset's
transaction is decided by ``commits``.

Errors are raised as ``pysolr.SolrError``, which CKAN turns
into ``SearchIndexError`` (failed write) or ``SearchError`` (bad query, HTTP
409 through the API).
"""

from __future__ import annotations

import logging
from typing import Any

import pysolr
import sqlalchemy as sa
from sqlalchemy.exc import DBAPIError

from . import solr_schema as ss
from .searcher import IndexSearcher
from .writer import IndexWriter

log = logging.getLogger(__name__)


class PostgresSolrConnection(IndexWriter, IndexSearcher):
    """The pysolr ``Solr`` methods CKAN calls, answered from PostgreSQL."""

    url = "postgresql://(imwg_search)"

    def __init__(self, session: Any, schema: ss.SolrSchema | None = None):
        self.session = session
        self.schema = schema or ss.load()

    def _autocommit(self, statements: list[tuple[str, dict[str, Any]]]) -> None:
        """Run ``statements`` in a transaction of their own."""
        try:
            with self.session.get_bind().begin() as conn:
                for sql, params in statements:
                    conn.execute(sa.text(sql), params)
        except DBAPIError as e:
            log.error("search backend SQL failed: %s", e.orig)
            raise pysolr.SolrError(f"PostgreSQL search backend error: {e.orig}".strip()) from e

    def _execute(self, sql: str, params: dict[str, Any]):
        try:
            return self.session.execute(sa.text(sql), params)
        except DBAPIError as e:
            log.error("search backend SQL failed: %s", e.orig)
            raise pysolr.SolrError(f"PostgreSQL search backend error: {e.orig}".strip()) from e
