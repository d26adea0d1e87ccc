"""What the patches share: wrapping a method, the server's own address and the extra paths it answers.

`import moto` comes first: the package must import before any of its services.
"""

from __future__ import annotations

import argparse
import functools
import inspect
import os

import moto  # noqa: F401  (the package must import before any of its services)


def _wrap(owner, name: str, make):
    """Replace owner.name by make(original); the replacement keeps the original's name and docstring."""
    original = getattr(owner, name)
    replacement = make(original)
    functools.update_wrapper(replacement, original)
    setattr(owner, name, replacement)


# Where this server answers (scheme, host, port), from the arguments it was started with (see
# nextstack_lab.moto_server); URLs that the patches hand out point here. Defaults: moto_server's own.
SERVER = {"scheme": "http", "host": "127.0.0.1", "port": int(os.environ.get("MOTO_PORT", "5000"))}


def _server_base() -> str:
    host = SERVER["host"]
    if host in ("0.0.0.0", "", "::"):
        host = "127.0.0.1"  # listening everywhere: loopback reaches it
    if ":" in host:
        host = "[%s]" % host
    return "%s://%s:%d" % (SERVER["scheme"], host, SERVER["port"])


def _read_server_arguments(argv: list[str]) -> None:
    """Take -H/--host, -p/--port and -s/-c/-k (TLS) from moto_server's command line into SERVER."""
    parser = argparse.ArgumentParser(add_help=False)
    parser.add_argument("-H", "--host", default=SERVER["host"])
    parser.add_argument("-p", "--port", type=int, default=SERVER["port"])
    parser.add_argument("-s", "--ssl", action="store_true")
    parser.add_argument("-c", "--ssl-cert")
    parser.add_argument("-k", "--ssl-key")
    args, _ = parser.parse_known_args(argv)
    tls = args.ssl or (args.ssl_cert and args.ssl_key)
    SERVER.update(scheme="https" if tls else "http", host=args.host, port=args.port)


# Extra paths this server answers itself, before moto's dispatcher looks at the request: prefix -> handler(request)
# returning a werkzeug Response. Filled by the patches that need one; installed by _serve_extra_paths().
_EXTRA_PATHS: dict = {}


def _serve_extra_paths() -> None:
    """The one hook into moto's server: DomainDispatcherApplication (the WSGI app `moto_server` runs) hands a request
    whose path starts with a prefix of _EXTRA_PATHS to that prefix's handler; everything else goes to moto."""
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication
    from werkzeug.wrappers import Request

    if getattr(DomainDispatcherApplication, "_nextstack_extra_paths", False):
        return

    def make(original):
        def __call__(self, environ, start_response):
            path = environ.get("PATH_INFO", "")
            for prefix, handler in _EXTRA_PATHS.items():
                if path.startswith(prefix):
                    return handler(Request(environ))(environ, start_response)
            return original(self, environ, start_response)

        return __call__

    _wrap(DomainDispatcherApplication, "__call__", make)
    DomainDispatcherApplication._nextstack_extra_paths = True


def _arguments(function, *args, **kwargs) -> dict:
    """The arguments of one call of `function` by parameter name, whether they were passed by position or name."""
    bound = inspect.signature(function).bind(*args, **kwargs)
    return bound.arguments
