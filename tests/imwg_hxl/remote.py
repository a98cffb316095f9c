"""What a web server of remote files on this machine answers (a CSV, a page,
a large file, a slow one, redirects to private and metadata addresses), for
the tests that fetch links."""

from __future__ import annotations

import http.server
import time

CSV = b"State,Killed\n#adm1+code,#affected+killed\nMMR001,3\n"


class Handler(http.server.BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def do_GET(self):
        routes = {
            "/data.csv": (200, {"Content-Type": "text/csv"}, CSV),
            "/page": (200, {"Content-Type": "text/html"}, b"<html></html>"),
            "/big.csv": (200, {"Content-Type": "text/csv"}, b"a,b\n" * 50_000),
            "/to-private": (302, {"Location": "http://10.0.0.1/data.csv"}, b""),
            "/to-metadata": (302, {"Location": "http://169.254.169.254/latest/meta-data/"}, b""),
            "/to-other-loopback": (302, {"Location": f"http://127.0.0.2:{self.server.server_port}/data.csv"}, b""),
            "/to-good": (302, {"Location": "/data.csv"}, b""),
            "/loop": (302, {"Location": "/loop"}, b""),
        }
        if self.path == "/odd-length.csv":  # a length of a digit int() does not read
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", "\u00b2")
            self.end_headers()
            self.wfile.write(CSV)
            return
        if self.path == "/slow":
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.end_headers()
            for _ in range(20):
                self.wfile.write(b"a,b\n")
                self.wfile.flush()
                time.sleep(0.2)
            return
        status, headers, body = routes.get(self.path, (404, {}, b""))
        self.send_response(status)
        for k, v in headers.items():
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)
