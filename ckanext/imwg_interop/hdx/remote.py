"""The HDX-compatible CKAN at the other end (through ckanapi), and the
outcome of one dataset's exchange."""

from __future__ import annotations

import dataclasses
from typing import Any

import ckanapi
import requests

from . import config

#: what a failing HDX raises: its refusals and errors (ckanapi; with CKAN installed
#: some of them are CKAN's own exceptions), and the network's
FAILURES: tuple[type[BaseException], ...] = (
    ckanapi.CKANAPIError,
    ckanapi.NotAuthorized,
    ckanapi.ValidationError,
    ckanapi.NotFound,
    ckanapi.SearchQueryError,
    ckanapi.SearchError,
    ckanapi.SearchIndexError,
    requests.RequestException,
    OSError,
)
USER_AGENT = "ckanext-imwg (imwg_interop HDX exchange)"


@dataclasses.dataclass
class Outcome:
    """What happened to one dataset: ``created``, ``updated``, ``unchanged``,
    ``withheld`` (not sent: the protocol keeps it here) or ``failed``."""

    name: str
    status: str
    detail: str = ""

    @property
    def failed(self) -> bool:
        return self.status == "failed"

    def line(self) -> str:
        return f"{self.status:9} {self.name}" + (f": {self.detail}" if self.detail else "")


class Remote:
    """HDX's actions, each with the configured timeout."""

    def __init__(self, url: str | None = None, token: str | None = None, timeout: int | None = None) -> None:
        self.url = url if url is not None else config.url()
        if not self.url:
            raise ValueError(f"no HDX address: set {config.URL}")
        self.timeout = timeout if timeout is not None else config.timeout()
        self.ckan = ckanapi.RemoteCKAN(
            self.url, apikey=token if token is not None else config.api_token() or None, user_agent=USER_AGENT
        )

    def call(self, action: str, **data: Any) -> Any:
        return self.ckan.call_action(action, data, requests_kwargs={"timeout": self.timeout})

    def show(self, name: str) -> dict[str, Any] | None:
        """A dataset of HDX by name, or None when HDX has none."""
        try:
            return self.call("package_show", id=name)
        except ckanapi.NotFound:
            return None


def describe(error: BaseException) -> str:
    """One line about a failure of HDX (its status, its field errors, the network's error)."""
    if isinstance(error, ckanapi.ValidationError):
        fields = error.error_dict if isinstance(getattr(error, "error_dict", None), dict) else error.args[0]
        if isinstance(fields, dict):
            parts = [f"{k}: {v}" for k, v in fields.items() if k != "__type"]
            return "HDX refused the dataset: " + "; ".join(parts)
    if isinstance(error, ckanapi.NotAuthorized):
        return "HDX refused the token or the organisation (not authorised)"
    if isinstance(error, requests.Timeout):
        return "HDX did not answer in time"
    if isinstance(error, requests.ConnectionError):
        return "HDX cannot be reached"
    if isinstance(error, FAILURES[:7]):
        text = " ".join(str(a) for a in error.args)[:200]
        return f"HDX answered with an error: {text}"
    return f"{type(error).__name__}: {error}"[:300]
