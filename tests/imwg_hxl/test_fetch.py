"""Remote files are fetched only from public addresses, checked after DNS
resolution and on every redirect, with a size cap, a deadline and a
content-type check (a real HTTP server on this machine)."""

from __future__ import annotations

import http.server
import ipaddress
import threading

import pytest

from ckanext.imwg_hxl.fetch import ADDRESS, CONTENT, SERVER, FetchError, fetch
from tests.imwg_hxl.remote import CSV, Handler

LOCAL = [ipaddress.ip_network("127.0.0.1/32")]


@pytest.fixture(scope="module")
def server():
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()


def get(url, tmp_path, allowed=(), max_bytes=1_000_000, timeout=5.0):
    target = tmp_path / "file"
    kind = fetch(url, target, max_bytes, timeout, allowed)
    return kind, target.read_bytes()


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1/data.csv", "loopback"),
        ("http://localhost/data.csv", "loopback"),
        ("http://[::1]/data.csv", "loopback"),
        ("http://[::ffff:127.0.0.1]/data.csv", "loopback"),
        ("http://10.1.2.3/data.csv", "private"),
        ("http://172.16.0.1/data.csv", "private"),
        ("http://192.168.1.1/data.csv", "private"),
        ("http://[fd00::1]/data.csv", "private"),
        ("http://169.254.169.254/latest/meta-data/", "link-local"),
        ("http://0.0.0.0/data.csv", "unspecified"),
        ("http://100.64.0.1/data.csv", "public"),
        ("ftp://example.org/data.csv", "only http and https"),
        ("file:///etc/passwd", "only http and https"),
        ("http://user:secret@example.org/data.csv", "user name"),
    ],
)
def test_refused_before_any_connection(tmp_path, url, reason):
    with pytest.raises(FetchError, match=reason):
        get(url, tmp_path)
    assert not (tmp_path / "file").exists()


def test_an_allowed_network_is_fetched(server, tmp_path):
    assert get(server + "/data.csv", tmp_path, LOCAL) == ("text/csv", CSV)
    assert get(server + "/to-good", tmp_path, LOCAL) == ("text/csv", CSV)


def test_the_same_server_is_refused_when_not_allowed(server, tmp_path):
    with pytest.raises(FetchError, match="loopback"):
        get(server + "/data.csv", tmp_path)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-private", "private"),
        ("/to-metadata", "link-local"),
        ("/to-other-loopback", "loopback"),
        ("/loop", "redirects"),
    ],
)
def test_redirects_are_checked_each_time(server, tmp_path, path, reason):
    with pytest.raises(FetchError, match=reason):
        get(server + path, tmp_path, LOCAL)


def test_limits(server, tmp_path):
    with pytest.raises(FetchError, match="text/html"):
        get(server + "/page", tmp_path, LOCAL)
    with pytest.raises(FetchError, match="larger than the limit"):
        get(server + "/big.csv", tmp_path, LOCAL, max_bytes=1000)
    with pytest.raises(FetchError, match="longer than 1 seconds"):
        get(server + "/slow", tmp_path, LOCAL, timeout=1)
    with pytest.raises(FetchError, match="answered 404"):
        get(server + "/missing", tmp_path, LOCAL)


@pytest.mark.parametrize(
    ("path", "reason"),
    [
        ("/to-private", ADDRESS),
        ("/loop", SERVER),
        ("/missing", SERVER),
        ("/page", CONTENT),
    ],
)
def test_each_refusal_has_a_reason_that_names_no_address(server, tmp_path, path, reason):
    """Besides the full message, a refusal says why in one of four words, for those who may not see the link."""
    with pytest.raises(FetchError) as refused:
        get(server + path, tmp_path, LOCAL)
    assert refused.value.reason == reason


def test_an_unresolvable_host_is_an_address_refusal(tmp_path):
    """A host that does not resolve is named in the message only, never in the reason."""
    with pytest.raises(FetchError) as refused:
        get("http://records.gated.invalid/data.csv", tmp_path)
    assert "records.gated.invalid" in str(refused.value)
    assert refused.value.reason == ADDRESS


def test_a_length_in_digits_int_cannot_read_is_not_believed(server, tmp_path):
    """``Content-Length: ²`` (a digit for ``str.isdigit``, not for ``int``) does not
    break the fetch: the file is read and counted as it comes."""
    assert get(server + "/odd-length.csv", tmp_path, LOCAL) == ("text/csv", CSV)
    with pytest.raises(FetchError, match="larger than the limit"):
        get(server + "/odd-length.csv", tmp_path, LOCAL, max_bytes=10)
