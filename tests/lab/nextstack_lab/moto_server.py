"""moto_server with the test lab's fixes for the emulator (nextstack_lab.moto_patches) applied first.

    PYTHONPATH=tests/lab python -m nextstack_lab.moto_server -H 127.0.0.1 -p PORT   # same arguments as moto_server

Reads the address the server is started with (URLs the patches hand out point there), applies every registered
patch, then runs moto's server main exactly as the `moto_server` console script does. harness.MotoServer starts it.

Each request's log line also names the client's port and the AWS SDK's `amz-sdk-invocation-id` and
`amz-sdk-request` (attempt number) headers, and the `X-Amz-Target` of JSON APIs: when a create reaches moto twice
(seen as FlowLogAlreadyExists and WAFv2DuplicateItem on a loaded machine), the log shows whether it was one SDK call
retried (same invocation id, attempt 2) or two calls (two ids).

It showed the first: in a CI run, Terraform's AddPermission reached moto as attempt 1 (answered 200) and, on a new
connection in the same second, as attempt 2 of the same SDK call, which moto executed again (a second statement with
the same id, which then kept the permission's destroy waiting). The response was lost between this local server and
the client under load; AWS's endpoints do not lose answers that way, and the SDKs retry only what they never got. So
a retried attempt of an SDK call whose earlier attempt this server answered with a 2xx gets that same answer again
instead of running a second time (`_answer_sdk_retries_once`; the log line says `replayed`). Reads (GET, HEAD) run
again as they are.
"""

from __future__ import annotations

import re
import sys
import threading
from collections import OrderedDict

from nextstack_lab.moto_patches import apply_all
from nextstack_lab.moto_patches._support import _read_server_arguments

# The 2xx answers of mutating SDK calls, by amz-sdk-invocation-id, for a retried attempt of the same call.
_ANSWERED: OrderedDict = OrderedDict()
_ANSWERED_LOCK = threading.Lock()
_ANSWERED_MAX = 4096  # calls remembered (a retry comes within seconds; an apply makes hundreds of calls)
_ANSWER_MAX_BYTES = 1 << 20  # larger answers are not remembered (mutations answer with small documents)
_replayed = threading.local()  # this thread's request was answered from _ANSWERED (for its log line)


def _answer_sdk_retries_once() -> None:
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication

    original = DomainDispatcherApplication.__call__

    def __call__(self, environ, start_response):
        _replayed.value = False
        invocation = environ.get("HTTP_AMZ_SDK_INVOCATION_ID")
        if not invocation or environ.get("REQUEST_METHOD") in ("GET", "HEAD"):
            return original(self, environ, start_response)
        with _ANSWERED_LOCK:
            answered = _ANSWERED.get(invocation)
        if answered is not None:
            _replayed.value = True
            status, headers, body = answered
            start_response(status, headers)
            return [body]
        seen = {}

        def recording_start_response(status, headers, exc_info=None):
            seen["status"], seen["headers"] = status, list(headers)
            return start_response(status, headers, exc_info) if exc_info else start_response(status, headers)

        result = original(self, environ, recording_start_response)
        try:
            body = b"".join(result)
        finally:
            if hasattr(result, "close"):
                result.close()
        if seen.get("status", "").startswith("2") and len(body) <= _ANSWER_MAX_BYTES:
            with _ANSWERED_LOCK:
                _ANSWERED[invocation] = (seen["status"], seen["headers"], body)
                while len(_ANSWERED) > _ANSWERED_MAX:
                    _ANSWERED.popitem(last=False)
        return [body]

    DomainDispatcherApplication.__call__ = __call__


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
        if getattr(_replayed, "value", False):
            fields.append("replayed")
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
    _answer_sdk_retries_once()
    _log_sdk_calls()
    from moto.server import main

    # What the moto_server console script runs.
    sys.argv[0] = re.sub(r"(-script\.pyw|\.exe)?$", "", sys.argv[0])
    sys.exit(main())
