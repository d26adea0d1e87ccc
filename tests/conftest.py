"""pytest fixtures for the end-to-end tests (the machinery lives in tests/lab/nextstack_lab).

    moto              session  MotoServer: .endpoint, .reset(), .client(service, region="eu-west-1", account=None)
    aws               function the same server, reset (wiped) before the test
    aws_faults        function RequestCounter of an aws_proxy in front of `aws`: .url, .inject(Fault...), .snapshot();
                      pass env={"AWS_ENDPOINT_URL": aws_faults.url} to terraform() to go through it
    provider_binary   session  Path of the provider built by cargo (harness.build_provider)
    provider_mirror   session  Mirror(path, cli_config): filesystem mirror with a copy of provider_binary
    terraform         function factory, parametrized over Terraform 1.15.5 / 1.0.3 (ids tf1.15 / tf1.0)
    terraform_latest  function the same factory for Terraform 1.15.5 only
    terraform_legacy  function the same factory for Terraform 1.0.3 only
    terraform_mid     function the same factory for Terraform 1.11.4 (the machine image's) only
    terraform_for     function terraform_for(version) -> the factory for that version
    nextjs_builds     session  NextjsBuilds: .get(name, variant=1) -> Path of a real OpenNext build of tests/nextjs-app
    browser           session  browser.Chromium (Debian's Chromium under Playwright): .new_page() -> RecordingPage
                               (a fresh context; .goto(url), any Page method, .exchanges, .assert_all_ok())

    tf = terraform(workdir=None, *, provider=True, aws=True, region="eu-west-1", env=None) -> harness.Terraform

A missing tool or a failed build makes the test FAIL (never skip), with the reason.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import NamedTuple

import pytest

from nextstack_lab import aws_proxy, harness


def _fail(exc: Exception):
    pytest.fail("%s: %s" % (type(exc).__name__, exc), pytrace=False)


@pytest.fixture(autouse=True)
def _secret_watch():
    """Each test starts with no watched secrets (harness.watch_secret: every Terraform command's output and
    state files are searched for the values a test registers)."""
    harness.forget_secrets()
    yield
    harness.forget_secrets()


_SESSION_MOTO: list = []  # the session's MotoServer once started (for the failure report below)


@pytest.fixture(scope="session")
def moto(tmp_path_factory):
    """Session-wide moto_server on 127.0.0.1:<free port> (MOTO_ACM_VALIDATION_WAIT from
    $NEXTSTACK_MOTO_ACM_VALIDATION_WAIT, default 2 s). State is shared by the tests: use `aws` to start clean."""
    server = harness.MotoServer(log_dir=tmp_path_factory.mktemp("moto"))
    try:
        server.start()
    except harness.HarnessError as exc:
        _fail(exc)
    _SESSION_MOTO[:] = [server]
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def aws(moto):
    """The session's moto server, wiped (POST /moto-api/reset) before this test. Clients obtained before a reset
    must not be reused: credentials from sts:AssumeRole are forgotten by the reset (moto.client() re-creates)."""
    moto.reset()
    return moto


@pytest.fixture
def aws_faults(aws):
    """A proxy in front of the wiped moto server that counts requests and answers the ones matched by injected
    aws_proxy.Fault rules with AWS errors (AccessDenied, ResourceInUseException, ...) moto never produces."""
    url, counter = aws_proxy.start(aws.endpoint)
    counter.url = url
    try:
        yield counter
    finally:
        counter.stop()


@pytest.fixture(scope="session")
def provider_binary() -> Path:
    """The provider binary, built once per session (debug; NEXTSTACK_PROFILE=release for release;
    NEXTSTACK_PROVIDER_BINARY=/path uses that file and builds nothing)."""
    try:
        return harness.build_provider()
    except harness.HarnessError as exc:
        _fail(exc)


@pytest.fixture(scope="session")
def edge_binary() -> Path:
    """nextstack-edge, built once per session (NEXTSTACK_EDGE_BINARY=/path uses that file and builds nothing)."""
    try:
        return harness.build_edge()
    except harness.HarnessError as exc:
        _fail(exc)


class Mirror(NamedTuple):
    path: Path  # the filesystem mirror's root
    cli_config: Path  # a Terraform CLI config installing nextstack/nextstack only from it


@pytest.fixture(scope="session")
def provider_mirror(provider_binary, tmp_path_factory) -> Mirror:
    root = tmp_path_factory.mktemp("provider")
    mirror = harness.make_mirror(provider_binary, root / "mirror")
    return Mirror(mirror, harness.write_cli_config(root / "terraformrc", mirror))


@pytest.fixture(scope="session")
def bare_cli_config(tmp_path_factory) -> Path:
    """CLI config without the provider mirror (configurations that use only built-in providers)."""
    return harness.write_cli_config(tmp_path_factory.mktemp("bare") / "terraformrc", None)


class TerraformFactory:
    """Makes harness.Terraform objects for one Terraform version.

    factory(workdir=None, *, provider=True, aws=True, region="eu-west-1", env=None)
      workdir   directory to run in (created); default: a fresh directory under the test's tmp_path
      provider  install nextstack/nextstack from the session's mirror (builds the provider on first use)
      aws       point AWS_ENDPOINT_URL at the session's moto server (starts it on first use)
      region    AWS_REGION / AWS_DEFAULT_REGION
      env       extra environment variables for every run
    """

    def __init__(self, request, version: str, tmp_path: Path):
        self._request = request
        self._tmp_path = tmp_path
        self._count = 0
        self.version = version
        try:
            self.binary = harness.terraform_path(version)
        except harness.HarnessError as exc:
            _fail(exc)

    @property
    def legacy(self) -> bool:
        return self.version == harness.TF_LEGACY

    def __repr__(self) -> str:
        return "TerraformFactory(%s)" % self.version

    def __call__(self, workdir=None, *, provider=True, aws=True, region=harness.DEFAULT_REGION, env=None):
        if workdir is None:
            self._count += 1
            workdir = self._tmp_path / ("tf" if self._count == 1 else "tf%d" % self._count)
        if provider:
            cli_config = self._request.getfixturevalue("provider_mirror").cli_config
        else:
            cli_config = self._request.getfixturevalue("bare_cli_config")
        endpoint = self._request.getfixturevalue("moto").endpoint if aws else None
        run_env = harness.terraform_env(cli_config, endpoint, region)
        run_env.update({k: str(v) for k, v in (env or {}).items()})
        return harness.Terraform(self.version, Path(workdir), run_env)


@pytest.fixture(params=list(harness.TF_VERSIONS), ids=["tf1.15", "tf1.0"])
def terraform(request, tmp_path) -> TerraformFactory:
    return TerraformFactory(request, request.param, tmp_path)


@pytest.fixture
def terraform_latest(request, tmp_path) -> TerraformFactory:
    return TerraformFactory(request, harness.TF_LATEST, tmp_path)


@pytest.fixture
def terraform_legacy(request, tmp_path) -> TerraformFactory:
    return TerraformFactory(request, harness.TF_LEGACY, tmp_path)


@pytest.fixture
def terraform_mid(request, tmp_path) -> TerraformFactory:
    return TerraformFactory(request, harness.TF_MID, tmp_path)


@pytest.fixture
def terraform_for(request, tmp_path):
    """terraform_for(version) -> the factory for that Terraform version, for tests parametrized over versions of
    their own choosing (so that no test module imports this one)."""
    return lambda version: TerraformFactory(request, version, tmp_path)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """A failed test that used the emulator shows moto's 5xx answers and tracebacks from its run (the cause of
    an SDK retry that Terraform reports only as, say, a duplicate name on create)."""
    report = yield
    server = _SESSION_MOTO[0] if _SESSION_MOTO else None
    if report.failed and server is not None:
        errors = server.server_errors(getattr(item, "_nextstack_moto_offset", 0))
        if errors:
            report.sections.append(("moto server errors during the test", errors))
    return report


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item):
    # moto may start later, inside the test (the terraform factory asks for it): then its whole log counts.
    item._nextstack_moto_offset = _SESSION_MOTO[0].log_offset() if _SESSION_MOTO else 0


def pytest_report_header(config):
    return "nextstack e2e: terraform %s; tools in %s; NEXTSTACK_PROFILE=%s" % (
        " + ".join(harness.TF_VERSIONS),
        harness.TOOLS_DIR,
        os.environ.get("NEXTSTACK_PROFILE", "debug"),
    )


class NextjsBuilds:
    """Real OpenNext builds of tests/nextjs-app (see nextstack_lab/nextjs_builds.py), made on first use:
    .get(name, variant=1, config=None) -> Path of the .open-next directory, with BUILD_ID nextstack-<name>
    (config: a directory with the open-next.config.ts to build with)."""

    def get(self, name: str, variant: int = 1, config: Path | None = None) -> Path:
        from nextstack_lab import nextjs_builds

        try:
            return nextjs_builds.build(name, variant, config)
        except harness.HarnessError as exc:
            _fail(exc)


@pytest.fixture(scope="session")
def nextjs_builds() -> NextjsBuilds:
    return NextjsBuilds()


@pytest.fixture(scope="session")
def browser():
    """Debian's Chromium (/usr/bin/chromium) under Playwright, headless, started once per session (nextstack_lab/browser.py).
    Each browser.new_page() is a new browser context recording every request; close it (or use `with`)."""
    from nextstack_lab import browser as browser_module

    try:
        with browser_module.launch_chromium() as chromium:
            yield chromium
    except harness.HarnessError as exc:
        _fail(exc)
