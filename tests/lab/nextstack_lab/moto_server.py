"""moto_server with the test lab's fixes for the emulator (nextstack_lab.moto_patches) applied first.

    PYTHONPATH=tests/lab python -m nextstack_lab.moto_server -H 127.0.0.1 -p PORT   # same arguments as moto_server

Reads the address the server is started with (URLs the patches hand out point there), applies every registered
patch, then runs moto's server main exactly as the `moto_server` console script does. harness.MotoServer starts it.

Each request's log line also names the client's port and the AWS SDK's `amz-sdk-invocation-id` and
`amz-sdk-request` (attempt number) headers, and the `X-Amz-Target` of JSON APIs: when a create reaches moto twice
(seen as FlowLogAlreadyExists and WAFv2DuplicateItem on a loaded machine), the log shows whether it was one SDK call
retried (same invocation id, attempt 2) or two calls (two ids).
"""

from __future__ import annotations

import re
import sys

from nextstack_lab.moto_patches import apply_all
from nextstack_lab.moto_patches._support import _read_server_arguments

def _log_sdk_calls() -> None:
    from werkzeug.serving import WSGIRequestHandler

    write_request_line = WSGIRequestHandler.log_request

    def log_request(self, code="-", size="-"):
        headers = getattr(self, "headers", None)
        fields = ["client-port=%s" % (self.client_address[1] if self.client_address else "-")]
        for name in ("amz-sdk-invocation-id", "amz-sdk-request", "x-amz-target"):
            value = headers.get(name) if headers is not None else None
            if value:
                fields.append("%s=%s" % (name, value.replace(" ", "")))
        log = self.log
        self.log = lambda kind, message, *args: log(kind, message + " %s", *args, " ".join(fields))
        try:
            write_request_line(self, code, size)
        finally:
            del self.log

    WSGIRequestHandler.log_request = log_request


if __name__ == "__main__":
    _read_server_arguments(sys.argv[1:])
    apply_all()
    _log_sdk_calls()
    from moto.server import main

    # What the moto_server console script runs.
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
