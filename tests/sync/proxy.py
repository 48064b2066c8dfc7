"""A small fault-injecting HTTP proxy in front of a ``ror serve``: it forwards GETs (rewriting
the upstream's URLs in answers to its own, so ``next`` links come back through it) and, as
told, answers 429 or 503 to some requests, garbage to all, or holds a request forever."""

from __future__ import annotations

import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx

# Given the request's number (1, 2, …) and path: None to forward, or (status, headers, body).
Fault = Callable[[int, str], tuple[int, dict[str, str], bytes] | None]


class FaultProxy:
    def __init__(self, upstream: str, fault: Fault) -> None:
        self.upstream = upstream.rstrip("/")
        self.fault = fault
        self.requests = 0
        self.hold = threading.Event()  # set: requests after ``hold_after`` never get an answer
        self.hold_after = 0
        self.release = threading.Event()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                proxy.requests += 1
                number = proxy.requests
                if proxy.hold.is_set() and number > proxy.hold_after:
                    proxy.release.wait(60)
                    return
                faulty = proxy.fault(number, self.path)
                if faulty is None:
                    forwarded = {
                        k: v for k, v in self.headers.items() if k.lower() == "authorization"
                    }
                    upstream = httpx.get(proxy.upstream + self.path, headers=forwarded, timeout=60)
                    body = upstream.content.replace(proxy.upstream.encode(), proxy.url.encode())
                    status = upstream.status_code
                    headers = {"Content-Type": upstream.headers.get("content-type", "")}
                else:
                    status, headers, body = faulty
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self) -> FaultProxy:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()
