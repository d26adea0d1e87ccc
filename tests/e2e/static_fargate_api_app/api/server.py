"""The static-fargate-api layout's API as the test runs it: a stand-in for the FastAPI image, on Python's standard
library only. What the README asks of the real one: listen on all interfaces on the container port its task definition maps (8000, uvicorn's `--host 0.0.0.0 --port 8000`),
answer GET /health, read OPENAI_API_KEY (from the task definition's `secrets`), allow the origins in
CORS_ALLOW_ORIGINS, write only to /tmp.

    GET /health      200 "ok"
    GET /api/hello   JSON: the Origin it was called from, the SHA-256 of OPENAI_API_KEY (never the key), whether
                     a write to /tmp and to its own directory succeeded (the root is read-only)
    OPTIONS *        a CORS preflight: 204, allowed for the origins in CORS_ALLOW_ORIGINS only
"""

import hashlib
import json
import os
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

ALLOWED = [o.strip() for o in os.environ.get("CORS_ALLOW_ORIGINS", "").split(",") if o.strip()]


def try_write(path):
    try:
        with open(path, "w") as f:
            f.write("x")
        return "ok"
    except OSError as e:
        return e.strerror or str(e.errno)


class Handler(BaseHTTPRequestHandler):
    def cors(self):
        origin = self.headers.get("Origin")
        if origin and origin in ALLOWED:
            self.send_header("Access-Control-Allow-Origin", origin)
        self.send_header("Vary", "Origin")

    def answer(self, status, body, content_type="application/json"):
        data = body.encode()
        self.send_response(status)
        self.cors()
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self):
        if self.path == "/health":
            return self.answer(200, "ok", "text/plain")
        if self.path.split("?")[0] == "/api/hello":
            key = os.environ.get("OPENAI_API_KEY")
            return self.answer(200, json.dumps({
                "message": "hello from the Fargate task",
                "origin": self.headers.get("Origin"),
                "openai_key_sha256": hashlib.sha256(key.encode()).hexdigest() if key else None,
                "write_tmp": try_write("/tmp/probe"),
                "write_app": try_write(os.path.join(os.getcwd(), "probe")),
            }))
        return self.answer(404, json.dumps({"detail": "Not Found"}))

    def do_OPTIONS(self):
        origin = self.headers.get("Origin")
        self.send_response(204 if origin in ALLOWED else 400)
        self.cors()
        self.send_header("Access-Control-Allow-Methods", "GET")
        self.send_header("Access-Control-Allow-Headers", "content-type")
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, fmt, *args):
        print("api: " + fmt % args, file=sys.stderr, flush=True)


# The task's own network (awsvpc): the load balancer reaches the task at its address, not at 127.0.0.1.
PORT = 8000
print("api listening on", PORT, flush=True)
ThreadingHTTPServer(("0.0.0.0", PORT), Handler).serve_forever()
