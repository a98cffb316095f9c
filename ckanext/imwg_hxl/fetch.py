"""Fetching a link resource's file for its preview, safely.

Only http and https; the host is resolved here and every address it
resolves to must be public (no loopback, private, link-local, multicast or
reserved address, unless its network is allowed in the configuration); the
connection goes to the checked address (so a second DNS answer cannot
point elsewhere); redirects are followed by hand, each one checked the
same way; the size is capped while reading; one deadline covers the whole
transfer; a web page or an image is refused by its content type.
"""

from __future__ import annotations

import ipaddress
import re
import socket
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any
from urllib.parse import urljoin, urlsplit

import urllib3

#: redirects followed at the most
MAX_REDIRECTS = 5
#: content types that are certainly not a data table
REFUSED_TYPES = ("text/html", "image/", "video/", "audio/", "application/pdf", "application/javascript")

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


#: why a file was not fetched, in words that name no host and no address
ADDRESS = "address"  # not an http(s) address of a public host
SERVER = "server"  # no good answer in time
CONTENT = "content"  # not a data file
SIZE = "size"  # over the limit

#: more precisely (``FetchError.why``), still naming no host and no address
PRIVATE = "private"  # a loopback, private or link-local address
NOT_PUBLIC = "not-public"  # a multicast, reserved or otherwise not global address
UNRESOLVED = "unresolved"  # a host name that does not resolve
SCHEME = "scheme"  # not http or https
CREDENTIALS = "credentials"  # a user name or password in the address
TIMEOUT = "timeout"  # the server took too long


class FetchError(Exception):
    """The file was not fetched. The message says why in full, for those
    who may see the link (it may name the host or the address it resolved
    to); ``reason`` (``ADDRESS``, ``SERVER``, ``CONTENT``, ``SIZE``) names
    neither, for everyone else; ``why`` says it more precisely (``PRIVATE``,
    ``UNRESOLVED``...), still naming neither."""

    def __init__(self, message: str, reason: str, why: str | None = None):
        super().__init__(message)
        self.reason = reason
        self.why = why or reason


def _addresses(host: str, port: int) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as error:
        raise FetchError(f"the host {host!r} could not be resolved ({error})", ADDRESS, UNRESOLVED) from None
    return [ipaddress.ip_address(info[4][0].split("%", 1)[0]) for info in infos]


def check_address(address: ipaddress.IPv4Address | ipaddress.IPv6Address, allowed: Sequence[Network]) -> None:
    """Refuse an address that is not public (unless its network is allowed)."""
    if any(address in network for network in allowed):
        return
    mapped = getattr(address, "ipv4_mapped", None)
    if mapped is not None:
        address = mapped
    for test, what, why in (
        ("is_unspecified", "an unspecified", PRIVATE),
        ("is_loopback", "a loopback", PRIVATE),
        ("is_link_local", "a link-local", PRIVATE),
        ("is_private", "a private", PRIVATE),
        ("is_multicast", "a multicast", NOT_PUBLIC),
        ("is_reserved", "a reserved", NOT_PUBLIC),
    ):
        if getattr(address, test):
            raise FetchError(
                f"the address {address} is {what} address: files are only fetched from public addresses", ADDRESS, why
            )
    if not address.is_global:
        raise FetchError(f"the address {address} is not a public address", ADDRESS, NOT_PUBLIC)


def _target(url: str, allowed: Sequence[Network]) -> tuple[Any, str, int, str]:
    """Check an address: (parts, checked IP, port, host) or ``FetchError``."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https"):
        raise FetchError(f"only http and https addresses are fetched, not {parts.scheme or 'this'!r}", ADDRESS, SCHEME)
    if not parts.hostname:
        raise FetchError("the address has no host", ADDRESS)
    if parts.username or parts.password:
        raise FetchError("addresses with a user name or password are not fetched", ADDRESS, CREDENTIALS)
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        raise FetchError("the address has an invalid port", ADDRESS) from None
    found = _addresses(parts.hostname, port)
    if not found:
        raise FetchError(f"the host {parts.hostname!r} has no address", ADDRESS, UNRESOLVED)
    for address in found:
        check_address(address, allowed)
    return parts, str(found[0]), port, parts.hostname


def fetch(
    url: str,
    destination: Path,
    max_bytes: int,
    timeout: float,
    allowed: Sequence[Network] = (),
) -> str:
    """Save the file at ``url`` to ``destination``; return its content type."""
    deadline = time.monotonic() + timeout
    for _ in range(MAX_REDIRECTS + 1):
        parts, ip, port, host = _target(url, allowed)
        left = deadline - time.monotonic()
        if left <= 0:
            raise FetchError(f"the server took longer than {timeout:g} seconds", SERVER, TIMEOUT)
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        options: dict[str, Any] = {"timeout": urllib3.Timeout(connect=min(left, 10), read=left), "retries": False}
        if parts.scheme == "https":
            pool: urllib3.HTTPConnectionPool = urllib3.HTTPSConnectionPool(
                ip, port, server_hostname=host, assert_hostname=host, **options
            )
        else:
            pool = urllib3.HTTPConnectionPool(ip, port, **options)
        try:
            response = pool.urlopen(
                "GET",
                path,
                headers={"Host": parts.netloc.rsplit("@", 1)[-1], "User-Agent": "ckanext-imwg HXL preview"},
                redirect=False,
                preload_content=False,
            )
        except urllib3.exceptions.HTTPError as error:
            raise FetchError(f"the server could not be reached ({type(error).__name__})", SERVER) from None
        try:
            if response.status in (301, 302, 303, 307, 308):
                location = response.headers.get("Location")
                if not location:
                    raise FetchError("the server redirected without saying where", SERVER)
                url = urljoin(url, location)
                continue
            if response.status != 200:
                raise FetchError(f"the server answered {response.status}", SERVER)
            kind = (response.headers.get("Content-Type") or "").split(";", 1)[0].strip().lower()
            if any(kind.startswith(t) for t in REFUSED_TYPES):
                raise FetchError(f"the address serves {kind}, not a data file", CONTENT)
            length = (response.headers.get("Content-Length") or "").strip()
            # only the digits 0-9 (``str.isdigit`` holds "²", which ``int`` does not read);
            # any other length is not believed: the transfer is counted as it comes
            if re.fullmatch(r"[0-9]+", length) and int(length) > max_bytes:
                raise FetchError(f"the file is larger than the limit of {max_bytes} bytes", SIZE)
            _save(response, destination, max_bytes, deadline, timeout)
            return kind
        finally:
            response.release_conn()
            pool.close()
    raise FetchError(f"more than {MAX_REDIRECTS} redirects", SERVER)


def _save(response: Any, destination: Path, max_bytes: int, deadline: float, timeout: float) -> None:
    size = 0
    try:
        with destination.open("wb") as out:
            for block in response.stream(65536):
                size += len(block)
                if size > max_bytes:
                    raise FetchError(f"the file is larger than the limit of {max_bytes} bytes", SIZE)
                if time.monotonic() > deadline:
                    raise FetchError(f"the server took longer than {timeout:g} seconds", SERVER, TIMEOUT)
                out.write(block)
    except urllib3.exceptions.HTTPError as error:
        raise FetchError(f"the transfer failed ({type(error).__name__})", SERVER) from None
