"""A real browser for the tests: Debian's Chromium (/usr/bin/chromium) driven by Playwright (PyPI `playwright`).

    with launch_chromium() as chromium:              # or the session fixture `browser` (tests/conftest.py)
        with chromium.new_page() as page:            # a fresh browser context: no cookies, no cache
            page.goto("http://127.0.0.1:%d/" % port)
            page.click("text=Load more")              # anything of Playwright's Page: page.<method> delegates
            page.assert_all_ok()                      # every request 200/304, none failed or left pending,
                                                      # no uncaught exception in the page
            page.exchanges                            # [Exchange(method, url, resource_type, status, failure)]

Playwright's own browser download cannot be fetched here, so Playwright launches the Chromium that
tests/toolchain.sh installs from Debian's packages, through `executable_path`, with the flags below; headless
through Playwright's `headless` option. Playwright gives every launch a new empty user data directory of its
own (and deletes it at close), and every page here gets a new browser context. Only loopback addresses are ever a
target: the flags switch off everything Chromium would fetch by itself, and any proxy from the environment.

Nothing here imports pytest. A missing Chromium or Playwright raises BrowserUnavailable (a HarnessError, so the
fixture FAILS the test, never skips it), naming what to install.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from nextstack_lab import harness

# NEXTSTACK_CHROMIUM: another Chromium build (e.g. on a machine without Debian's package).
CHROMIUM = Path(os.environ.get("NEXTSTACK_CHROMIUM", "/usr/bin/chromium"))

# Chromium as root in a container: no sandbox (it needs user namespaces, and refuses root without it), no GPU, no
# QUIC, and none of the background fetches (component updates, sync, field trials...) that would try hosts this
# machine cannot reach, many at a time. Playwright passes some of these itself; they are listed anyway so the
# set does not depend on Playwright's version. --no-proxy-server: the pages are on 127.0.0.1, whatever
# http_proxy says.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-proxy-server",
)

# What a page's requests may answer for assert_all_ok() by default.
OK_STATUSES = (200, 304)


class BrowserUnavailable(harness.HarnessError):
    """Chromium or Playwright is missing or does not start."""


def _check_chromium(executable: Path) -> None:
    if not executable.is_file() or not os.access(executable, os.X_OK):
        raise BrowserUnavailable(
            "no Chromium at %s: run tests/toolchain.sh (as root it installs the Debian package `chromium` with "
            "apt-get), or `apt-get install -y --no-install-recommends chromium fonts-liberation`, or point "
            "NEXTSTACK_CHROMIUM at a Chromium build" % executable
        )


def _sync_playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:
        raise BrowserUnavailable(
            "the Python package playwright is missing (%s): run tests/toolchain.sh, which installs "
            "tests/requirements.txt (playwright) into .tools/venv" % exc
        ) from exc
    return sync_playwright


@dataclass
class Exchange:
    """One request of a page and what became of it."""

    method: str
    url: str
    resource_type: str  # document, script, stylesheet, image, fetch, xhr, font, ...
    status: int | None = None  # the response's status; None while (or if) no response came
    failure: str | None = None  # Playwright's failure text (net::ERR_CONNECTION_REFUSED, ...) if it failed
    finished: bool = False  # the response's body was received in full

    def __str__(self) -> str:
        outcome = [str(self.status)] if self.status is not None else []
        outcome += ["(%s)" % self.failure] if self.failure else ([] if outcome else ["no response"])
        return "%s %s [%s] -> %s" % (self.method, self.url, self.resource_type, " ".join(outcome))


class RecordingPage:
    """A Playwright Page in a browser context of its own that records every request of that context (the page,
    its frames, workers and popups): .exchanges, .page_errors (uncaught exceptions), .console_errors.
    Attributes it does not have are the Page's (goto, click, locator, screenshot, evaluate, ...)."""

    def __init__(self, context):
        self.context = context
        self.exchanges: list[Exchange] = []
        self.page_errors: list[str] = []
        self.console_errors: list[str] = []
        self._by_request: dict = {}
        context.on("request", self._on_request)
        context.on("response", self._on_response)
        context.on("requestfinished", self._on_finished)
        context.on("requestfailed", self._on_failed)
        self.page = context.new_page()
        self._watch(self.page)
        context.on("page", self._watch)

    # recording -----------------------------------------------------------------------------------------------
    def _watch(self, page) -> None:
        if getattr(page, "_nextstack_watched", False):
            return
        page._nextstack_watched = True
        page.on("pageerror", lambda error: self.page_errors.append("%s: %s" % (page.url, error)))
        page.on("console", self._on_console)

    def _on_console(self, message) -> None:
        if message.type == "error":
            self.console_errors.append(message.text)

    def _on_request(self, request) -> None:
        exchange = Exchange(request.method, request.url, request.resource_type)
        self._by_request[request] = exchange
        self.exchanges.append(exchange)

    def _exchange(self, request) -> Exchange:
        exchange = self._by_request.get(request)
        if exchange is None:  # a request that began before recording did (cannot happen for a new context)
            exchange = Exchange(request.method, request.url, request.resource_type)
            self._by_request[request] = exchange
            self.exchanges.append(exchange)
        return exchange

    def _on_response(self, response) -> None:
        self._exchange(response.request).status = response.status

    def _on_finished(self, request) -> None:
        self._exchange(request).finished = True

    def _on_failed(self, request) -> None:
        self._exchange(request).failure = request.failure or "failed"

    # the page --------------------------------------------------------------------------------------------
    def __getattr__(self, name):
        if name == "page":  # not set yet (during __init__)
            raise AttributeError(name)
        return getattr(self.page, name)

    def goto(self, url: str, **kwargs):
        """page.goto, then wait until the network has been idle for 500 ms (scripts loaded what they load)."""
        response = self.page.goto(url, **kwargs)
        self.settle()
        return response

    def settle(self, timeout: float = 30_000) -> None:
        """Wait until no request has been in flight for 500 ms: Playwright's `networkidle` for the document, then
        the same over every request this page recorded, since a client-side navigation or a link prefetch starts
        requests after the document's load state was reached (and leaving the page would cancel them). Gives up
        quietly after `timeout` ms: a request still open then shows in problems()."""
        self.page.wait_for_load_state("networkidle", timeout=timeout)
        deadline = time.monotonic() + timeout / 1000
        quiet_since = None
        while time.monotonic() < deadline:
            if any(not e.finished and e.failure is None for e in self.exchanges):
                quiet_since = None
            elif quiet_since is None:
                quiet_since = time.monotonic()
            elif time.monotonic() - quiet_since >= 0.5:
                return
            self.page.wait_for_timeout(100)  # Playwright delivers the request events while it waits

    def clear(self) -> None:
        """Forget what was recorded so far (e.g. before the next navigation)."""
        self.exchanges.clear()
        self.page_errors.clear()
        self.console_errors.clear()
        self._by_request.clear()

    # checks ----------------------------------------------------------------------------------------------
    def problems(self, statuses: Iterable[int] = OK_STATUSES, *, console_errors: bool = False) -> list[str]:
        """What went wrong: requests that failed, answered another status or never finished, uncaught page
        exceptions (and console errors when console_errors=True). Empty when all is well."""
        statuses = set(statuses)
        found = []
        for exchange in self.exchanges:
            if exchange.failure or exchange.status not in statuses or not exchange.finished:
                found.append("request %s%s" % (exchange, "" if exchange.finished or exchange.failure else " (unfinished)"))
        found += ["uncaught exception in %s" % error for error in self.page_errors]
        if console_errors:
            found += ["console error: %s" % text for text in self.console_errors]
        return found

    def assert_all_ok(self, statuses: Iterable[int] = OK_STATUSES, *, console_errors: bool = False) -> None:
        """Settle, then assert that there were requests, that each answered one of `statuses` (200/304) in full
        and none failed, and that the page threw nothing."""
        self.settle()
        found = self.problems(statuses, console_errors=console_errors)
        assert self.exchanges, "the page made no request at all"
        assert not found, "%d problem(s) in %d request(s):\n  %s\nall requests:\n  %s" % (
            len(found),
            len(self.exchanges),
            "\n  ".join(found),
            "\n  ".join(str(e) for e in self.exchanges),
        )

    # lifecycle -------------------------------------------------------------------------------------------
    def close(self) -> None:
        self.context.close()

    def __enter__(self) -> "RecordingPage":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class Chromium:
    """A running Chromium (.browser is Playwright's Browser, .version its version)."""

    def __init__(self, browser):
        self.browser = browser
        self.version: str = browser.version

    def new_page(self, **context_options) -> RecordingPage:
        """A page in a new browser context (fresh cookies, cache and storage); context_options go to
        Browser.new_context (viewport, extra_http_headers, base_url, ...). Close it, or use it with `with`."""
        return RecordingPage(self.browser.new_context(**context_options))


# One Playwright driver per process, shared by every launch: Playwright's sync API runs its driver on an asyncio
# loop in the calling thread, so a second sync_playwright() while the first is running (a test launching its own
# Chromium beside the session's `browser` fixture) fails with "using Playwright Sync API inside the asyncio loop".
_DRIVER: dict = {"playwright": None, "users": 0}


@contextmanager
def _shared_playwright():
    """The process's running Playwright (started on first use, stopped when its last user is done)."""
    if _DRIVER["playwright"] is None:
        _DRIVER["playwright"] = _sync_playwright()().start()
    _DRIVER["users"] += 1
    try:
        yield _DRIVER["playwright"]
    finally:
        _DRIVER["users"] -= 1
        if _DRIVER["users"] == 0:
            playwright, _DRIVER["playwright"] = _DRIVER["playwright"], None
            playwright.stop()


@contextmanager
def launch_chromium(*, executable: Path | str | None = None, extra_args: Iterable[str] = (),
                    headless: bool = True) -> Iterator[Chromium]:
    """Start Chromium (about 2 s) with CHROMIUM_ARGS plus extra_args under the process's Playwright; stop it on exit
    (and Playwright, when no other launch is using it). Launches may nest: each is a browser of its own."""
    executable = Path(executable) if executable else CHROMIUM
    _check_chromium(executable)
    with _shared_playwright() as playwright:
        try:
            browser = playwright.chromium.launch(
                executable_path=str(executable),
                headless=headless,
                args=[*CHROMIUM_ARGS, *extra_args],
                chromium_sandbox=False,
            )
        except Exception as exc:  # noqa: BLE001  (playwright.Error: the executable does not start)
            raise BrowserUnavailable(
                "%s does not start under Playwright: %s\n(reinstall the Debian package chromium with "
                "tests/toolchain.sh; `%s --headless --no-sandbox --version` should print its version)"
                % (executable, exc, executable)
            ) from exc
        try:
            yield Chromium(browser)
        finally:
            browser.close()


if __name__ == "__main__":  # PYTHONPATH=tests/lab python -m nextstack_lab.browser: check that the browser starts
    with launch_chromium() as chromium:
        with chromium.new_page() as page:
            page.set_content("<p>ok</p>")
            assert page.text_content("p") == "ok"
        print("Chromium %s at %s (Playwright drives it)" % (chromium.version, CHROMIUM))
