"""An HTTP reverse proxy to put between an AWS SDK and moto: it counts requests (benchmarks) and can answer
chosen requests with AWS errors or altered responses (end-to-end tests of failures moto never produces).

    from nextstack_lab.aws_proxy import start, Fault

    url, counter = start("http://127.0.0.1:5000")   # listens on 127.0.0.1:<free port>
    env["AWS_ENDPOINT_URL"] = url                   # every SDK request now goes through the proxy
    ...
    counter.reset()                                 # forget what was counted so far
    ...                                             # run the thing to measure
    snap = counter.snapshot()                       # {"AmazonSSM.GetParameters": 10, ...}
    counter.total(), counter.errors()               # sums over the current window
    counter.bytes_in(), counter.payload_bytes_in()  # bytes of request bodies in the current window
    counter.bytes_out()                             # bytes of response bodies in the current window
    counter.inject(Fault.error("sts.AssumeRole", "AccessDenied", "not allowed", body_contains="role/denied"))
    counter.inject(Fault.rewrite("CertificateManager.DescribeCertificate", add_in_use_by, times=3))
    counter.inject(Fault.lost_response(r"route53 POST .*/rrset/?", times=1))   # done by moto, answered 503
    counter.stop()                                  # closes the listening socket

Each request is counted once, under the first key that applies:
  * the `X-Amz-Target` header (JSON protocols: SSM, ACM, ...), e.g. `AmazonSSM.GetParameters`;
  * `Action=` in the query string or a form-encoded body (query protocol: STS, ...), as `<service>.<Action>`
    where <service> is the signing name from the SigV4 `Authorization` header (e.g. `sts.AssumeRole`);
  * otherwise `<service> <METHOD> <path>` (REST protocols: Route 53, S3, ...) with ids left as they are.
Requests answered with HTTP >= 400 (by moto or by a fault) are also counted in `errors` under the same key (so a
benchmark can tell throttling or not-found retries from real work). Requests to /moto-api/ are passed through but
never counted nor faulted.

For benchmarks that compare upload volumes, the counter also sums the request bodies of the counted requests:
`bytes_in()` as the proxy received them (after undoing HTTP chunked transfer encoding; the `aws-chunked` content
encoding some SDKs use for S3 uploads, with its chunk signatures and checksum trailer, is part of the body), and
`payload_bytes_in()` the same with an `aws-chunked` body counted as its `x-amz-decoded-content-length` (the object's
own bytes, whatever framing the SDK chose); `bytes_out()` sums the response bodies sent back (0 for HEAD).

A fault matches a key (exactly, or a regular expression for REST keys) and optionally a substring of the request
body or path; it applies `times` times (None: until removed). The first matching fault with uses left wins.

Command line (prints the counts every time it gets SIGUSR1 and once more on exit):

    PYTHONPATH=tests/lab python -m nextstack_lab.aws_proxy --upstream http://127.0.0.1:5000 [--port 0] [--url-file F]

Standard library only (http.server + http.client); threaded; HTTP/1.1 keep-alive on both sides.
"""

from __future__ import annotations

import argparse
import http.client
import http.server
import json
import os
import re
import signal
import socket
import socketserver
import sys
import threading
import time
import urllib.parse
from collections import Counter

__all__ = ["RequestCounter", "CountingProxy", "Fault", "start", "request_key"]

# Headers that describe one hop, not the message (RFC 9110 7.6.1); never forwarded.
_HOP_BY_HOP = {
    "connection",
    "keep-alive",
    "proxy-connection",
    "proxy-authenticate",
    "proxy-authorization",
    "te",
    "trailer",
    "transfer-encoding",
    "upgrade",
}

_SIGNING_SERVICE = re.compile(r"Credential=[^/,\s]+/\d{8}/[^/,\s]+/([^/,\s]+)/aws4_request")
_ACCESS_KEY = re.compile(r"Credential=([^/,\s]+)/")


def access_key(headers) -> str:
    """The access key id a SigV4 request was signed with ("" if unsigned)."""
    match = _ACCESS_KEY.search(headers.get("Authorization", "") or "")
    return match.group(1) if match else ""


def _service(headers) -> str:
    match = _SIGNING_SERVICE.search(headers.get("Authorization", "") or "")
    return match.group(1) if match else "unsigned"


def request_key(method: str, path: str, headers, body: bytes) -> str:
    """The name a request is counted under (see the module docstring)."""
    target = headers.get("X-Amz-Target")
    if target:
        return target
    parsed = urllib.parse.urlsplit(path)
    action = urllib.parse.parse_qs(parsed.query).get("Action")
    if not action and body and "x-www-form-urlencoded" in (headers.get("Content-Type") or ""):
        try:
            action = urllib.parse.parse_qs(body.decode("utf-8", "replace")).get("Action")
        except ValueError:
            action = None
    service = _service(headers)
    if action:
        return "%s.%s" % (service, action[0])
    return "%s %s %s" % (service, method, parsed.path)


def _payload_length(headers, body: bytes) -> int:
    """The length of what the body carries: x-amz-decoded-content-length for an aws-chunked body, else its length."""
    if "aws-chunked" in (headers.get("Content-Encoding") or ""):
        try:
            return int(headers.get("x-amz-decoded-content-length") or "")
        except ValueError:
            pass
    return len(body)


def _error_body(key: str, headers, code: str, message: str) -> tuple[str, bytes]:
    """(content type, body) of an AWS error in the protocol of the request that gets it."""
    if headers.get("X-Amz-Target"):
        body = json.dumps({"__type": code, "message": message}).encode()
        return headers.get("Content-Type") or "application/x-amz-json-1.1", body
    namespace = ' xmlns="https://route53.amazonaws.com/doc/2013-04-01/"' if key.startswith("route53 ") else ""
    body = (
        '<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse%s><Error><Type>Sender</Type><Code>%s</Code>'
        "<Message>%s</Message></Error><RequestId>injected-by-aws-proxy</RequestId></ErrorResponse>"
        % (namespace, code, message.replace("&", "&amp;").replace("<", "&lt;"))
    )
    return "text/xml", body.encode()


class Fault:
    """One rule: which requests it applies to, how many times, and what it does (see the module docstring).
    Build with Fault.error(...), Fault.lost_response(...) or Fault.rewrite(...); `hits` counts the requests it has changed."""

    def __init__(self, key: str, *, body_contains: str | None, times: int | None, error=None, rewrite=None,
                 forward_first: bool = False):
        self.key = key
        self.body_contains = body_contains
        self.remaining = times
        self.error = error  # (status, code, message)
        self.rewrite = rewrite  # callable(dict) -> dict, on a JSON response
        self.forward_first = forward_first  # with error: moto does the request, the client gets the error
        self.hits = 0

    @classmethod
    def error(cls, key: str, code: str, message: str, *, status: int = 400, body_contains: str | None = None,
              times: int | None = None) -> "Fault":
        """Answer with the AWS error `code` instead of forwarding the request."""
        return cls(key, body_contains=body_contains, times=times, error=(status, code, message))

    @classmethod
    def lost_response(cls, key: str, *, status: int = 503, code: str = "ServiceUnavailable",
                      message: str = "Service is unavailable (injected after the request was done)",
                      body_contains: str | None = None, times: int | None = 1) -> "Fault":
        """Forward the request (moto does it), then answer the error `code` instead of moto's response: AWS did the
        work but its answer never arrived, so the SDK retries a request that already landed."""
        return cls(key, body_contains=body_contains, times=times, error=(status, code, message), forward_first=True)

    @classmethod
    def rewrite(cls, key: str, change, *, body_contains: str | None = None, times: int | None = None) -> "Fault":
        """Forward the request, then pass moto's answer through change: dict -> dict for JSON protocols,
        str -> str for XML ones (Route 53, STS)."""
        return cls(key, body_contains=body_contains, times=times, rewrite=change)

    def matches(self, key: str, path: str, body: bytes) -> bool:
        if self.remaining is not None and self.remaining <= 0:
            return False
        if key != self.key and not re.fullmatch(self.key, key):
            return False
        if self.body_contains is not None:
            needle = self.body_contains.encode()
            if needle not in body and needle not in urllib.parse.unquote(path).encode():
                decoded = urllib.parse.unquote_plus(body.decode("utf-8", "replace")).encode()
                if needle not in decoded:
                    return False
        return True

    def use(self) -> None:
        self.hits += 1
        if self.remaining is not None:
            self.remaining -= 1

    def refund(self) -> None:
        """A rewrite that found nothing to rewrite (moto answered an error) does not count."""
        self.hits -= 1
        if self.remaining is not None:
            self.remaining += 1


class RequestCounter:
    """Thread-safe counts of proxied requests, by key. A 'window' starts at creation or at reset()."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: Counter = Counter()
        self._errors: Counter = Counter()
        self._bytes_in = 0
        self._payload_bytes_in = 0
        self._bytes_out = 0
        self._started = time.monotonic()
        self._first: float | None = None
        self._last: float | None = None
        self._proxy: "CountingProxy | None" = None
        self._faults: list[Fault] = []
        self._seen: list[tuple[str, str, bytes]] = []

    def inject(self, fault: Fault) -> Fault:
        """Apply `fault` to the requests it matches from now on; returns it (its `hits` say how often it applied)."""
        with self._lock:
            self._faults.append(fault)
        return fault

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def see(self, key: str, key_id: str, body: bytes) -> None:
        with self._lock:
            self._seen.append((key, key_id, body))

    def requests(self, key: str) -> list[tuple[str, str]]:
        """(access key id, body) of every request counted under `key`, oldest first (since start, not reset)."""
        with self._lock:
            return [(k_id, body.decode("utf-8", "replace")) for k, k_id, body in self._seen if k == key]

    def refund(self, fault: Fault) -> None:
        with self._lock:
            fault.refund()

    def fault_for(self, key: str, path: str, body: bytes) -> Fault | None:
        """The fault that takes this request, if any (its use is counted)."""
        with self._lock:
            for fault in self._faults:
                if fault.matches(key, path, body):
                    fault.use()
                    return fault
        return None

    def add(self, key: str, status: int, body_bytes: int = 0, payload_bytes: int | None = None) -> None:
        """Count one request (body_bytes: its body's length; payload_bytes: the decoded length when it differs)."""
        now = time.monotonic()
        with self._lock:
            self._counts[key] += 1
            self._bytes_in += body_bytes
            self._payload_bytes_in += body_bytes if payload_bytes is None else payload_bytes
            if status >= 400:
                self._errors[key] += 1
            if self._first is None:
                self._first = now
            self._last = now

    def snapshot(self) -> dict:
        """{key: requests} counted since the last reset(), keys sorted."""
        with self._lock:
            return dict(sorted(self._counts.items()))

    def error_snapshot(self) -> dict:
        """{key: requests answered with HTTP >= 400} since the last reset()."""
        with self._lock:
            return dict(sorted(self._errors.items()))

    def total(self) -> int:
        with self._lock:
            return sum(self._counts.values())

    def errors(self) -> int:
        with self._lock:
            return sum(self._errors.values())

    def bytes_in(self) -> int:
        """Bytes of the request bodies counted since the last reset(), as received (see the module docstring)."""
        with self._lock:
            return self._bytes_in

    def payload_bytes_in(self) -> int:
        """bytes_in() with aws-chunked bodies counted as their decoded length (see the module docstring)."""
        with self._lock:
            return self._payload_bytes_in

    def add_bytes_out(self, n: int) -> None:
        with self._lock:
            self._bytes_out += n

    def bytes_out(self) -> int:
        """Bytes of the response bodies of the counted requests since the last reset()."""
        with self._lock:
            return self._bytes_out

    def active_seconds(self) -> float:
        """Seconds from the first to the last request of the window (0 with fewer than two requests)."""
        with self._lock:
            if self._first is None or self._last is None:
                return 0.0
            return self._last - self._first

    def reset(self) -> dict:
        """Start a new window; returns the snapshot of the one that ends."""
        with self._lock:
            old = dict(sorted(self._counts.items()))
            self._counts.clear()
            self._errors.clear()
            self._bytes_in = 0
            self._payload_bytes_in = 0
            self._bytes_out = 0
            self._started = time.monotonic()
            self._first = self._last = None
            return old

    def stop(self) -> None:
        """Stop the proxy this counter belongs to (if start() made it)."""
        if self._proxy is not None:
            self._proxy.stop()


class _Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive towards the client (SDKs pool connections)
    server: "_Server"

    def log_message(self, format, *args):  # noqa: A002 - quiet: benchmarks print their own figures
        pass

    def _upstream(self) -> http.client.HTTPConnection:
        conn = getattr(self, "_conn", None)
        if conn is None:
            conn = http.client.HTTPConnection(self.server.upstream_host, self.server.upstream_port, timeout=120)
            self._conn = conn
        return conn

    def _forward(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            body = self._read_chunked()
        else:
            body = self.rfile.read(length) if length else b""
        key = request_key(self.command, self.path, self.headers, body)
        if not self.path.startswith("/moto-api"):
            self.server.counter.see(key, access_key(self.headers), body)
        fault = None if self.path.startswith("/moto-api") else self.server.counter.fault_for(key, self.path, body)
        if fault is not None and fault.error is not None and not fault.forward_first:
            self._answer_error(key, body, fault)
            return
        headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP}
        if body or self.command in ("POST", "PUT", "PATCH"):
            headers["Content-Length"] = str(len(body))
        # The SDK signed the Host header: keep it as sent (moto does not check signatures anyway).
        response = None
        for attempt in (1, 2):  # a kept-alive upstream connection may have been closed by the server
            conn = self._upstream()
            try:
                conn.request(self.command, self.path, body=body, headers=headers)
                response = conn.getresponse()
                payload = response.read()
                break
            except (http.client.HTTPException, ConnectionError, OSError):
                conn.close()
                self._conn = None
                if attempt == 2:
                    self.send_error(502, "upstream unreachable")
                    return
        assert response is not None
        if fault is not None and fault.forward_first:
            if response.will_close:
                self._upstream().close()
                self._conn = None
            self._answer_error(key, body, fault)
            return
        if not self.path.startswith("/moto-api"):
            self.server.counter.add(key, response.status, len(body), _payload_length(self.headers, body))
        if fault is not None and fault.rewrite is not None and response.status >= 400:
            self.server.counter.refund(fault)
        elif fault is not None and fault.rewrite is not None:
            if "json" in (response.getheader("Content-Type") or ""):
                payload = json.dumps(fault.rewrite(json.loads(payload or b"{}"))).encode()
            else:
                payload = fault.rewrite(payload.decode("utf-8")).encode()
        self.send_response_only(response.status, response.reason)
        for key, value in response.getheaders():
            if key.lower() not in _HOP_BY_HOP and key.lower() != "content-length":
                self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        if response.will_close:  # upstream closes (moto's server speaks HTTP/1.0): reconnect next time
            self._upstream().close()
            self._conn = None
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)
            if not self.path.startswith("/moto-api"):
                self.server.counter.add_bytes_out(len(payload))

    def _answer_error(self, key: str, body: bytes, fault: Fault) -> None:
        status, code, message = fault.error
        content_type, payload = _error_body(key, self.headers, code, message)
        self.server.counter.add(key, status, len(body), _payload_length(self.headers, body))
        self.send_response_only(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("x-amzn-RequestId", "injected-by-aws-proxy")
        self.end_headers()
        self.wfile.write(payload)
        self.server.counter.add_bytes_out(len(payload))

    def _read_chunked(self) -> bytes:
        chunks = []
        while True:
            size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
            if size == 0:
                while self.rfile.readline() not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline()

    do_GET = do_POST = do_PUT = do_DELETE = do_HEAD = do_PATCH = do_OPTIONS = _forward

    def finish(self):
        try:
            super().finish()
        finally:
            conn = getattr(self, "_conn", None)
            if conn is not None:
                conn.close()


class _Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    request_queue_size = 128

    def __init__(self, address, upstream: str, counter: RequestCounter):
        parsed = urllib.parse.urlsplit(upstream)
        if parsed.scheme != "http" or not parsed.hostname:
            raise ValueError("upstream must be http://HOST:PORT, not %r" % upstream)
        self.upstream_host = parsed.hostname
        self.upstream_port = parsed.port or 80
        self.counter = counter
        super().__init__(address, _Handler)

    def server_bind(self):
        self.socket.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        super().server_bind()

    def get_request(self):
        sock, addr = super().get_request()
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return sock, addr


class CountingProxy:
    """The proxy itself: serves on a background thread until stop()."""

    def __init__(self, upstream: str, host: str = "127.0.0.1", port: int = 0):
        self.counter = RequestCounter()
        self._server = _Server((host, port), upstream, self.counter)
        self.url = "http://%s:%d" % self._server.server_address[:2]
        self.counter._proxy = self
        self._thread = threading.Thread(target=self._server.serve_forever, name="aws-proxy", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None


def start(upstream: str, host: str = "127.0.0.1", port: int = 0) -> tuple[str, RequestCounter]:
    """Start a counting proxy in front of `upstream` (e.g. moto's endpoint). Returns (url, counter);
    counter.stop() stops the proxy."""
    proxy = CountingProxy(upstream, host, port)
    return proxy.url, proxy.counter


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description="AWS reverse proxy (counts AWS requests by operation).")
    parser.add_argument("--upstream", required=True, help="e.g. http://127.0.0.1:5000 (moto)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--url-file", help="write the proxy's URL here once it listens")
    args = parser.parse_args(argv)
    url, counter = start(args.upstream, args.host, args.port)
    if args.url_file:
        tmp = args.url_file + ".tmp"
        with open(tmp, "w") as f:
            f.write(url + "\n")
        os.replace(tmp, args.url_file)
    print("aws proxy: %s -> %s (SIGUSR1 prints the counts)" % (url, args.upstream), file=sys.stderr, flush=True)
    stop = threading.Event()
    signal.signal(signal.SIGUSR1, lambda *_: print(json.dumps(counter.snapshot()), flush=True))
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    while not stop.wait(0.5):
        pass
    print(json.dumps({"requests": counter.snapshot(), "errors": counter.error_snapshot()}), flush=True)
    counter.stop()
    return 0


if __name__ == "__main__":
    sys.exit(main())
