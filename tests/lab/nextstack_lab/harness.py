"""End-to-end harness: real Terraform + the built provider + a local moto server.

Used by tests/conftest.py (pytest fixtures) and, as a command line, by examples/*/run.sh. It imports only the
standard library, so it runs by path (HARNESS = tests/lab/nextstack_lab/harness.py):

    python HARNESS build-provider            # builds, prints the binary's path
    python HARNESS build-lint                # builds nextstack-lint, prints the binary's path
    python HARNESS setup --provider BIN --dir DIR
                                             # writes DIR/mirror + DIR/terraformrc, prints the rc path
    python HARNESS moto --endpoint-file F    # runs moto_server until SIGTERM/SIGINT; writes its
                                             # endpoint to F once it answers
    python HARNESS env --endpoint URL --cli-config RC
                                             # prints `export ...` lines for a shell to eval
    python HARNESS terraform-path [VERSION]  # prints .tools/bin/terraform-VERSION
    python HARNESS forget-locked-provider LOCK_FILE
                                             # drops the nextstack provider's entry from a lock file

Nothing here imports pytest: failures raise HarnessError / AssertionError with the output that explains them.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import tomllib
import urllib.error
import urllib.request
from pathlib import Path
from typing import Iterable, NamedTuple

REPO_ROOT = Path(__file__).resolve().parents[3]
LAB_DIR = Path(__file__).resolve().parents[1]  # tests/lab: the directory holding the nextstack_lab package
TOOLS_DIR = REPO_ROOT / ".tools"
VENV_BIN = TOOLS_DIR / "venv" / "bin"

TF_VERSIONS = ("1.15.5", "1.0.3")
TF_LATEST = "1.15.5"
TF_LEGACY = "1.0.3"
# The machine image's own Terraform (linked into .tools/bin by toolchain.sh when present): the modules run on it too.
TF_MID = "1.11.4"

AWS_PROVIDER_SOURCE = "registry.terraform.io/hashicorp/aws"
AWS_PROVIDER_VERSION = "5.100.0"

PROVIDER_PACKAGE = "terraform-provider-nextstack"
PROVIDER_BINARY_NAME = "terraform-provider-nextstack"
PROVIDER_SOURCE = "registry.terraform.io/nextstack/nextstack"
PROVIDER_PLATFORM = "linux_amd64"

DEFAULT_REGION = "eu-west-1"
MOTO_DEFAULT_ACCOUNT = "123456789012"
MOTO_ACM_VALIDATION_WAIT = os.environ.get("NEXTSTACK_MOTO_ACM_VALIDATION_WAIT", "2")

# Default limit for one Terraform command (seconds); NEXTSTACK_TF_TIMEOUT overrides.
TF_TIMEOUT = float(os.environ.get("NEXTSTACK_TF_TIMEOUT", "600"))

TOOLCHAIN_HINT = "run tests/toolchain.sh (or tests/run.sh) first"


class HarnessError(RuntimeError):
    """The toolchain or a helper process is missing or broken (not a test failure as such)."""


def _tail(text: str, lines: int = 80) -> str:
    parts = text.splitlines()
    if len(parts) <= lines:
        return text
    return "\n".join(["[... %d lines cut ...]" % (len(parts) - lines)] + parts[-lines:])


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _die_with_parent() -> None:
    """preexec_fn: have the kernel SIGTERM the child when the process that started it dies."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except Exception:  # noqa: BLE001 - best effort only
        pass


# --------------------------------------------------------------------------------------------- tools


def terraform_path(version: str) -> Path:
    """Path of .tools/bin/terraform-VERSION; HarnessError if it is not there."""
    if version not in TF_VERSIONS + (TF_MID,):
        raise HarnessError("unknown Terraform version %r (have %s)" % (version, ", ".join(TF_VERSIONS + (TF_MID,))))
    path = TOOLS_DIR / "bin" / ("terraform-" + version)
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise HarnessError("Terraform %s not found at %s: %s" % (version, path, TOOLCHAIN_HINT))
    return path


def venv_tool(name: str) -> Path:
    path = VENV_BIN / name
    if not (path.is_file() and os.access(path, os.X_OK)):
        raise HarnessError("%s not found at %s: %s" % (name, path, TOOLCHAIN_HINT))
    return path


def provider_version() -> str:
    """The provider's version: the workspace version in Cargo.toml (the mirror must use it)."""
    with open(REPO_ROOT / "Cargo.toml", "rb") as f:
        return tomllib.load(f)["workspace"]["package"]["version"]


def build_provider(profile: str | None = None, live: bool = False) -> Path:
    """The provider, built by cargo from the repo root (see build_binary); returns the binary.

    profile: "debug" (default) or "release"; None reads NEXTSTACK_PROFILE. If NEXTSTACK_PROVIDER_BINARY is set,
    that file is used and nothing is built. live=True lets cargo's progress through to stderr.
    """
    return build_binary(PROVIDER_PACKAGE, PROVIDER_BINARY_NAME, "NEXTSTACK_PROVIDER_BINARY", profile, live)


def build_lint(profile: str | None = None, live: bool = False) -> Path:
    """nextstack-lint, built by cargo (see build_binary); NEXTSTACK_LINT_BINARY: use that file instead."""
    return build_binary("nextstack-lint", "nextstack-lint", "NEXTSTACK_LINT_BINARY", profile, live)


def build_edge(profile: str | None = None, live: bool = False) -> Path:
    """nextstack-edge, built by cargo (see build_binary); NEXTSTACK_EDGE_BINARY: use that file instead."""
    return build_binary("nextstack-edge", "nextstack-edge", "NEXTSTACK_EDGE_BINARY", profile, live)


def build_binary(package: str, binary_name: str, override_env: str, profile: str | None, live: bool) -> Path:
    """The binary BINARY_NAME of PACKAGE, built in the profile NEXTSTACK_PROFILE names (debug by default).

    A debug build is `cargo build --workspace`, the very command tests/run.sh ran before pytest, not
    `cargo build -p PACKAGE`: cargo unifies the features of shared dependencies over the packages it is asked to
    build, so `-p` gives the AWS SDK crates and others a second (and third) feature set and compiles them again.
    Measured on a fresh clone after run.sh's build: `-p` for the provider, the linter and the edge recompiled 188
    crates in 317 s and doubled target/ (2.5 GB to 5.0 GB); `--workspace` is a no-op. A release build stays
    `-p PACKAGE`: nothing else is built in release, and one LTO binary is what the caller waits for."""
    override = os.environ.get(override_env)
    if override:
        path = Path(override).resolve()
        if not (path.is_file() and os.access(path, os.X_OK)):
            raise HarnessError("%s=%s is not an executable file" % (override_env, override))
        return path
    profile = profile or os.environ.get("NEXTSTACK_PROFILE") or "debug"
    if profile not in ("debug", "release"):
        raise HarnessError("NEXTSTACK_PROFILE must be debug or release, not %r" % profile)
    cargo = shutil.which("cargo")
    if not cargo:
        raise HarnessError("cargo not found on PATH")
    cmd = [cargo, "build", "--message-format=json-render-diagnostics"]
    cmd += ["--release", "-p", package] if profile == "release" else ["--workspace"]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO_ROOT,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=None if live else subprocess.PIPE,
        text=True,
    )
    stdout, stderr = proc.communicate()
    if proc.returncode != 0:
        raise HarnessError(
            "`%s` failed with exit code %d:\n%s" % (" ".join(cmd[1:]), proc.returncode, _tail(stderr or "", 200))
        )
    binary = None
    for line in stdout.splitlines():
        try:
            msg = json.loads(line)
        except ValueError:
            continue
        if (
            msg.get("reason") == "compiler-artifact"
            and msg.get("executable")
            and msg.get("target", {}).get("name") == binary_name
        ):
            binary = Path(msg["executable"])
    if binary is None or not binary.is_file():
        raise HarnessError("cargo build succeeded but reported no %s executable" % binary_name)
    return binary


def make_mirror(provider_binary: Path, directory: Path, version: str | None = None) -> Path:
    """Unpacked filesystem mirror holding a COPY of the binary (a snapshot: a later rebuild cannot change the
    package under a running test and break the lock file's checksum). Returns the mirror's root."""
    version = version or provider_version()
    mirror = Path(directory)
    pkg = mirror / PROVIDER_SOURCE / version / PROVIDER_PLATFORM
    pkg.mkdir(parents=True, exist_ok=True)
    dest = pkg / ("terraform-provider-nextstack_v" + version)
    tmp = pkg / (".tmp-" + dest.name)
    shutil.copy2(provider_binary, tmp)
    os.chmod(tmp, 0o755)
    os.replace(tmp, dest)
    return mirror


def forget_locked_provider(lock_file: Path, source: str = PROVIDER_SOURCE) -> bool:
    """Removes `source`'s block from a dependency lock file (.terraform.lock.hcl); True if it had one.

    The nextstack provider is a local build whose version does not change when its code does, so a rebuilt
    binary no longer matches the checksum the lock file recorded and `terraform init` refuses it. Forgetting only
    this entry lets init record the new build's checksum while every other provider (hashicorp/aws) stays at the
    version and checksums it was locked to, which `init -upgrade` would not guarantee."""
    path = Path(lock_file)
    if not path.is_file():
        return False
    text = path.read_text()
    block = re.compile(r'^provider "%s" \{\n.*?^\}\n\n?' % re.escape(source), re.M | re.S)
    kept, count = block.subn("", text)
    if count:
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(kept)
        os.replace(tmp, path)
    return bool(count)


def aws_provider_mirror() -> Path | None:
    """The filesystem mirror holding hashicorp/aws that tests/toolchain.sh found (.tools/aws-provider), or None
    when it found none and `terraform init` must get it from the registry. HarnessError before toolchain.sh ran."""
    marker = TOOLS_DIR / "aws-provider"
    try:
        where = marker.read_text().strip()
    except OSError:
        raise HarnessError("%s is missing: %s" % (marker, TOOLCHAIN_HINT)) from None
    return None if where == "registry" else Path(where)


def write_cli_config(path: Path, mirror: Path | None) -> Path:
    """Terraform CLI config: the nextstack provider comes only from `mirror`; nothing is ever downloaded for it.
    mirror=None gives a config with no nextstack mirror (for configurations that use only other providers).
    hashicorp/aws comes from the machine's filesystem mirror when toolchain.sh found one, else from the registry."""
    lines = ["disable_checkpoint = true", ""]
    mirrors = []
    if mirror is not None:
        mirrors.append((mirror, PROVIDER_SOURCE))
    aws_mirror = aws_provider_mirror()
    if aws_mirror is not None:
        mirrors.append((aws_mirror, AWS_PROVIDER_SOURCE))
    if mirrors:
        lines.append("provider_installation {")
        for root, source in mirrors:
            lines += [
                "  filesystem_mirror {",
                "    path    = %s" % json.dumps(str(root)),
                "    include = [%s]" % json.dumps(source),
                "  }",
            ]
        lines += [
            "  direct {",
            "    exclude = [%s]" % ", ".join(json.dumps(source) for _, source in mirrors),
            "  }",
            "}",
        ]
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n")
    return path


# Variables that would make a run depend on the caller's machine rather than on the harness
# (terraform_env also drops every AWS_*, TF_VAR_* and TF_CLI_ARGS_* variable it inherits).
_SCRUBBED_ENV = (
    "TF_PLUGIN_CACHE_DIR",
    "TF_DATA_DIR",
    "TF_WORKSPACE",
    "TF_CLI_ARGS",
    "TF_INPUT",
    "TF_CLI_CONFIG_FILE",
    "TF_REATTACH_PROVIDERS",
    "AWS_PROFILE",
    "AWS_DEFAULT_PROFILE",
    "AWS_SESSION_TOKEN",
    "AWS_SECURITY_TOKEN",
    "AWS_ROLE_ARN",
    "AWS_WEB_IDENTITY_TOKEN_FILE",
    "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
    "AWS_CONTAINER_CREDENTIALS_FULL_URI",
    "MOTO_ACCOUNT_ID",
)


def terraform_env(cli_config: Path, endpoint: str | None, region: str = DEFAULT_REGION, base=None) -> dict:
    """Environment for one Terraform run (also what `harness.py env` prints)."""
    env = dict(os.environ if base is None else base)
    for key in list(env):
        if key in _SCRUBBED_ENV or key.startswith(("TF_CLI_ARGS_", "TF_VAR_", "AWS_")):
            del env[key]
    env.update(
        {
            "TF_CLI_CONFIG_FILE": str(cli_config),
            "TF_IN_AUTOMATION": "1",
            "CHECKPOINT_DISABLE": "1",
            "AWS_ACCESS_KEY_ID": "test",
            "AWS_SECRET_ACCESS_KEY": "test",
            "AWS_REGION": region,
            "AWS_DEFAULT_REGION": region,
            # Never let an SDK look for EC2 instance metadata (169.254.169.254) or the caller's AWS files.
            "AWS_EC2_METADATA_DISABLED": "true",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        }
    )
    if endpoint:
        env["AWS_ENDPOINT_URL"] = endpoint
    else:
        env.pop("AWS_ENDPOINT_URL", None)
    return env


# --------------------------------------------------------------------------------------------- moto


class MotoServer:
    """A `moto_server -H 127.0.0.1 -p PORT` child process (one Python process: ~100-200 requests/s).

    env: extra variables for the server (MOTO_ACM_VALIDATION_WAIT defaults to
    $NEXTSTACK_MOTO_ACM_VALIDATION_WAIT or 2 seconds). MOTO_ACCOUNT_ID is never passed on.
    """

    def __init__(self, env: dict | None = None, log_dir: Path | None = None):
        self.extra_env = dict(env or {})
        self.log_dir = Path(log_dir) if log_dir else Path(tempfile.mkdtemp(prefix="nextstack-moto-"))
        self.log_path = self.log_dir / "moto.log"
        self.proc: subprocess.Popen | None = None
        self.port: int | None = None
        self.endpoint: str | None = None
        self._clients: dict = {}

    # lifecycle ---------------------------------------------------------------------------------
    def start(self, timeout: float = 60.0) -> "MotoServer":
        # moto_server, with the harness's fixes for the emulator applied first (see nextstack_lab/moto_server.py).
        server = [str(venv_tool("python")), "-m", "nextstack_lab.moto_server"]
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(LAB_DIR)] + [p for p in [env.get("PYTHONPATH")] if p])
        env.pop("MOTO_ACCOUNT_ID", None)
        env.setdefault("MOTO_ACM_VALIDATION_WAIT", MOTO_ACM_VALIDATION_WAIT)
        # moto knows AWS managed IAM policies (AmazonECSTaskExecutionRolePolicy, ... which the modules attach)
        # only with this setting.
        env["MOTO_IAM_LOAD_MANAGED_POLICIES"] = "true"
        env.update({k: str(v) for k, v in self.extra_env.items()})
        env.pop("MOTO_ACCOUNT_ID", None)
        last_error = ""
        for _attempt in range(3):  # the free port can be taken between choosing and binding it
            self.port = free_port()
            self.endpoint = "http://127.0.0.1:%d" % self.port
            log = open(self.log_path, "ab")
            try:
                self.proc = subprocess.Popen(
                    server + ["-H", "127.0.0.1", "-p", str(self.port)],
                    stdin=subprocess.DEVNULL,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    env=env,
                    preexec_fn=_die_with_parent,
                )
            finally:
                log.close()
            deadline = time.monotonic() + timeout
            while time.monotonic() < deadline:
                if self.proc.poll() is not None:
                    last_error = "moto_server exited with %s" % self.proc.returncode
                    break
                try:
                    with urllib.request.urlopen(self.endpoint + "/moto-api/", timeout=2) as resp:
                        if resp.status == 200:
                            return self
                except (urllib.error.URLError, OSError) as exc:
                    last_error = str(exc)
                time.sleep(0.1)
            else:
                self.stop()
                raise HarnessError(
                    "moto_server did not answer GET %s/moto-api/ within %ss (%s); log:\n%s"
                    % (self.endpoint, timeout, last_error, self.log_tail())
                )
        raise HarnessError("moto_server could not be started (%s); log:\n%s" % (last_error, self.log_tail()))

    def stop(self) -> None:
        proc, self.proc = self.proc, None
        if proc is None or proc.poll() is not None:
            return
        proc.terminate()
        try:
            proc.wait(5)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)

    def __enter__(self) -> "MotoServer":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    def log_tail(self, lines: int = 60) -> str:
        try:
            return _tail(self.log_path.read_text(errors="replace"), lines)
        except OSError:
            return "(no log)"

    def log_offset(self) -> int:
        """The log's current size: pass it to server_errors() to see only what came after."""
        try:
            return self.log_path.stat().st_size
        except OSError:
            return 0

    def server_errors(self, since: int = 0, limit: int = 40) -> str:
        """The log's 5xx responses and Python tracebacks after byte `since`: what an SDK retries silently.

        A request that moto answers with a 500 (a bug in a backend) or drops is retried by the AWS SDKs, so a
        create can run twice and fail as a duplicate; this is the evidence a failed test shows beside
        Terraform's own output."""
        try:
            with open(self.log_path, "rb") as log:
                log.seek(since)
                text = log.read().decode(errors="replace")
        except OSError:
            return ""
        picked, in_traceback = [], False
        for line in text.splitlines():
            status = re.search(r'" (\d{3}) ', line)
            if line.startswith("Traceback"):
                in_traceback = True
            if in_traceback or (status and status.group(1).startswith("5")):
                picked.append(line)
            if in_traceback and line and not line.startswith((" ", "Traceback")):
                in_traceback = False  # the exception's own line ends the traceback
        return "\n".join(picked[-limit:]) if len(picked) <= limit else "(%d earlier lines left out)\n%s" % (
            len(picked) - limit, "\n".join(picked[-limit:]))

    # API ---------------------------------------------------------------------------------------
    def reset(self) -> None:
        """POST /moto-api/reset: wipes every account, region and service."""
        req = urllib.request.Request(self.endpoint + "/moto-api/reset", data=b"", method="POST")
        # A reset rebuilds every backend and waits for the server's lock: on two cores busy with other applies it
        # has taken over 30 s, which is a slow machine, not a hung server.
        with urllib.request.urlopen(req, timeout=180) as resp:
            if resp.status != 200:
                raise HarnessError("moto reset answered HTTP %s" % resp.status)
        self._clients.clear()

    def credentials(self, account: str | None = None) -> dict:
        """Access keys acting in `account` (None: moto's default account 123456789012), via sts:AssumeRole
        into arn:aws:iam::ACCOUNT:role/x as the notes describe (the role need not exist)."""
        if account is None or str(account) == MOTO_DEFAULT_ACCOUNT:
            return {"aws_access_key_id": "test", "aws_secret_access_key": "test"}
        sts = self.client("sts", DEFAULT_REGION)
        creds = sts.assume_role(RoleArn="arn:aws:iam::%s:role/x" % account, RoleSessionName="nextstack-tests")[
            "Credentials"
        ]
        return {
            "aws_access_key_id": creds["AccessKeyId"],
            "aws_secret_access_key": creds["SecretAccessKey"],
            "aws_session_token": creds["SessionToken"],
        }

    def client(self, service: str, region: str = DEFAULT_REGION, account: str | None = None):
        """A boto3 client for `service` in `region` pointed at this server, acting in `account`."""
        import boto3
        from botocore.config import Config

        # A profile named in the caller's environment would make Session() fail or read ~/.aws files.
        for var in ("AWS_PROFILE", "AWS_DEFAULT_PROFILE"):
            os.environ.pop(var, None)
        os.environ.setdefault("AWS_EC2_METADATA_DISABLED", "true")

        key = (service, region, str(account) if account is not None else None)
        if key not in self._clients:
            session = boto3.session.Session(region_name=region, **self.credentials(account))
            self._clients[key] = session.client(
                service,
                endpoint_url=self.endpoint,
                config=Config(retries={"max_attempts": 3, "mode": "standard"}),
            )
        return self._clients[key]


# --------------------------------------------------------------------------------------------- terraform


class Result(NamedTuple):
    rc: int
    stdout: str
    stderr: str


# ------------------------------------------------------------------------------------------------ secret watch
# Secret values a test has set (label => value). After every Terraform command the harness runs, its output and
# every state file in its working directory are searched for each of them: a secret that reaches a plan, a log or
# the state fails the test at the command that put it there, whatever the test goes on to assert.
_WATCHED_SECRETS: dict[str, str] = {}


def watch_secret(label: str, value: str) -> str:
    """Register a secret value the test sets (outside Terraform or through a write-only attribute); returns it."""
    if len(value) < 6:
        raise HarnessError("secret %r is too short to search for without false alarms" % label)
    _WATCHED_SECRETS[label] = value
    return value


def forget_secrets() -> None:
    """Start a test with no watched secrets (tests/conftest.py does this before each test)."""
    _WATCHED_SECRETS.clear()


def secrets_found_in(text: str) -> list[str]:
    """Labels of the watched secrets that occur in `text`."""
    return sorted(label for label, value in _WATCHED_SECRETS.items() if value in text)


def state_files(workdir: Path) -> list[Path]:
    """Every local state file of a working directory: the state, its backup, and workspaces' states."""
    names = ["terraform.tfstate", "terraform.tfstate.backup"]
    found = [workdir / n for n in names if (workdir / n).is_file()]
    return found + sorted((workdir / "terraform.tfstate.d").glob("*/terraform.tfstate*"))


def assert_no_watched_secret(workdir: Path, result: "Result", argv: list[str]) -> None:
    """Fail (naming the secret's label and where it was found, never the value) if a watched secret is in the
    command's output or in a state file of `workdir`."""
    if not _WATCHED_SECRETS:
        return
    places = []
    for stream, text in (("stdout", result.stdout), ("stderr", result.stderr)):
        places += ["%s in the %s of `terraform %s`" % (label, stream, " ".join(argv[2:4])) for label in secrets_found_in(text)]
    for path in state_files(workdir):
        places += ["%s in %s" % (label, path) for label in secrets_found_in(path.read_text(errors="replace"))]
    if places:
        raise AssertionError("a secret the test set reached Terraform's output or state:\n  " + "\n  ".join(places))


class Terraform:
    """Terraform `version` run in `workdir` with `env` (see terraform_env). Every command is run with
    -chdir=WORKDIR, stdin closed, -no-color and (where Terraform has it) -input=false.

    Raw runs return Result(rc, stdout, stderr); the *_ok helpers raise AssertionError with the command's output
    when it failed. `history` keeps (argv, Result) of every run. `env` may be changed between runs.
    """

    def __init__(self, version: str, workdir: Path, env: dict, timeout: float | None = None):
        self.version = version
        self.binary = terraform_path(version)
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.env = dict(env)
        self.timeout = TF_TIMEOUT if timeout is None else timeout
        self.history: list[tuple[list[str], Result]] = []

    @property
    def legacy(self) -> bool:
        """True for Terraform 1.0.3 (stricter about planned values, fewer features)."""
        return self.version == TF_LEGACY

    def __repr__(self) -> str:
        return "Terraform(%s, %s)" % (self.version, self.workdir)

    # files -------------------------------------------------------------------------------------
    def write(self, text: str, name: str = "main.tf") -> Path:
        """Write a file into the working directory (main.tf by default)."""
        path = self.workdir / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        return path

    # raw runs ----------------------------------------------------------------------------------
    def run(self, *args: str, timeout: float | None = None) -> Result:
        """Run `terraform -chdir=WORKDIR ARGS...` and return Result(rc, stdout, stderr)."""
        argv = [str(self.binary), "-chdir=%s" % self.workdir, *map(str, args)]
        limit = self.timeout if timeout is None else timeout
        proc = subprocess.Popen(
            argv,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=self.env,
            text=True,
            errors="replace",
            start_new_session=True,  # its own process group: a timeout kills providers too
        )
        try:
            stdout, stderr = proc.communicate(timeout=limit)
        except subprocess.TimeoutExpired:
            self._kill_group(proc)
            stdout, stderr = proc.communicate()
            result = Result(-9, stdout, stderr)
            self.history.append((argv, result))
            raise AssertionError(
                "terraform %s timed out after %ss\n%s" % (" ".join(args), limit, self._describe(result))
            ) from None
        result = Result(proc.returncode, stdout, stderr)
        self.history.append((argv, result))
        assert_no_watched_secret(self.workdir, result, argv)
        return result

    @staticmethod
    def _kill_group(proc: subprocess.Popen) -> None:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(proc.pid, sig)
            except ProcessLookupError:
                return
            try:
                proc.wait(5)
                return
            except subprocess.TimeoutExpired:
                continue

    def init(self, *extra: str) -> Result:
        return self.run("init", "-input=false", "-no-color", *extra)

    def validate(self, *extra: str) -> Result:
        return self.run("validate", "-no-color", *extra)

    def plan(self, *extra: str) -> Result:
        return self.run("plan", "-input=false", "-no-color", *extra)

    def apply(self, *extra: str) -> Result:
        return self.run("apply", "-input=false", "-no-color", "-auto-approve", *extra)

    def destroy(self, *extra: str) -> Result:
        return self.run("destroy", "-input=false", "-no-color", "-auto-approve", *extra)

    def refresh(self, *extra: str) -> Result:
        return self.run("apply", "-refresh-only", "-input=false", "-no-color", "-auto-approve", *extra)

    def import_(self, address: str, id_: str, *extra: str) -> Result:
        return self.run("import", "-input=false", "-no-color", *extra, address, id_)

    def output_json(self) -> Result:
        return self.run("output", "-json", "-no-color")

    def show_json(self, *extra: str) -> Result:
        return self.run("show", "-json", "-no-color", *extra)

    # asserting helpers ---------------------------------------------------------------------------
    def _describe(self, result: Result, argv: Iterable[str] | None = None) -> str:
        if argv is None and self.history:
            argv = self.history[-1][0]
        return "$ %s\n(terraform %s, exit %s)\n--- stdout ---\n%s\n--- stderr ---\n%s" % (
            " ".join(argv or []),
            self.version,
            result.rc,
            _tail(result.stdout, 120),
            _tail(result.stderr, 120),
        )

    def check(self, result: Result, ok: Iterable[int] = (0,)) -> Result:
        """Raise AssertionError showing the run's output unless result.rc is in `ok`."""
        if result.rc not in tuple(ok):
            raise AssertionError("terraform command failed\n" + self._describe(result))
        return result

    def initialized(self) -> bool:
        return (self.workdir / ".terraform").is_dir()

    def init_ok(self, *extra: str) -> Result:
        return self.check(self.init(*extra))

    def _ensure_init(self) -> None:
        if not self.initialized():
            self.init_ok()

    def plan_ok(self, *extra: str) -> Result:
        self._ensure_init()
        return self.check(self.plan(*extra))

    def apply_ok(self, *extra: str) -> Result:
        """init (once, if needed) + apply -auto-approve; AssertionError with the output if it failed."""
        self._ensure_init()
        return self.check(self.apply(*extra))

    def destroy_ok(self, *extra: str) -> Result:
        self._ensure_init()
        return self.check(self.destroy(*extra))

    def refresh_ok(self, *extra: str) -> Result:
        self._ensure_init()
        return self.check(self.refresh(*extra))

    def plan_detailed_exitcode(self, *extra: str) -> int:
        """plan -detailed-exitcode: 0 = no changes, 2 = changes; AssertionError if the plan failed (1)."""
        self._ensure_init()
        return self.check(self.plan("-detailed-exitcode", *extra), ok=(0, 2)).rc

    def assert_no_changes(self, *extra: str) -> None:
        """A plan right after apply must be empty (idempotency / no perpetual diff)."""
        self._ensure_init()
        result = self.plan("-detailed-exitcode", *extra)
        if result.rc != 0:
            raise AssertionError("expected an empty plan (exit 0)\n" + self._describe(result))

    def fails(self, *args: str, contains: str | None = None) -> Result:
        """Run raw `args` (e.g. "apply", "-auto-approve", "-input=false") and assert it FAILS; optionally that
        stdout+stderr contains `contains` (whitespace-normalised, since Terraform wraps diagnostics)."""
        result = self.run(*args)
        if result.rc == 0:
            raise AssertionError("expected terraform %s to fail\n%s" % (" ".join(args), self._describe(result)))
        if contains is not None:
            haystack = " ".join((result.stdout + "\n" + result.stderr).replace("│", " ").split())
            needle = " ".join(contains.split())
            if needle not in haystack:
                raise AssertionError("expected %r in the output\n%s" % (contains, self._describe(result)))
        return result

    def apply_fails(self, *extra: str, contains: str | None = None) -> Result:
        self._ensure_init()
        return self.fails("apply", "-input=false", "-no-color", "-auto-approve", *extra, contains=contains)

    def plan_fails(self, *extra: str, contains: str | None = None) -> Result:
        self._ensure_init()
        return self.fails("plan", "-input=false", "-no-color", *extra, contains=contains)

    # state -------------------------------------------------------------------------------------
    def outputs(self) -> dict:
        """{name: value} from `terraform output -json`."""
        raw = json.loads(self.check(self.output_json()).stdout or "{}")
        return {name: item.get("value") for name, item in raw.items()}

    def show(self) -> dict:
        """Parsed `terraform show -json` of the current state."""
        return json.loads(self.check(self.show_json()).stdout)

    def state_json(self) -> dict:
        """terraform.tfstate as a dict ({} if there is none yet)."""
        path = self.workdir / "terraform.tfstate"
        if not path.exists():
            return {}
        return json.loads(path.read_text())

    def resources(self) -> dict:
        """{address: attributes} of every managed and data resource instance in terraform.tfstate,
        addresses as Terraform prints them (module.m.nextstack_x.y["k"], data.nextstack_z.w[0])."""
        found = {}
        for res in self.state_json().get("resources", []):
            base = "%s.%s" % (res["type"], res["name"])
            if res.get("mode") == "data":
                base = "data." + base
            if res.get("module"):
                base = res["module"] + "." + base
            for inst in res.get("instances", []):
                addr = base
                if "index_key" in inst:
                    addr += "[%s]" % json.dumps(inst["index_key"])
                found[addr] = inst.get("attributes", {})
        return found

    def resource(self, address: str) -> dict:
        """Attributes of one resource instance in the state; AssertionError listing the others if absent."""
        found = self.resources()
        if address not in found:
            raise AssertionError("%s not in the state; it has: %s" % (address, ", ".join(sorted(found)) or "nothing"))
        return found[address]


# --------------------------------------------------------------------------------------------- command line


def _cmd_build_provider(args) -> int:
    print(build_provider(args.profile, live=True))
    return 0


def _cmd_build_lint(args) -> int:
    print(build_lint(args.profile, live=True))
    return 0


def _cmd_forget_locked_provider(args) -> int:
    forget_locked_provider(Path(args.lock_file))
    return 0


def _cmd_setup(args) -> int:
    directory = Path(args.dir).resolve()
    mirror = make_mirror(Path(args.provider).resolve(), directory / "mirror")
    print(write_cli_config(directory / "terraformrc", mirror))
    return 0


def _cmd_moto(args) -> int:
    server = MotoServer(log_dir=Path(args.log_dir) if args.log_dir else None)
    stopping = []

    def on_signal(signum, _frame):
        stopping.append(signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        server.start()
        tmp = Path(args.endpoint_file + ".tmp")
        tmp.write_text(server.endpoint + "\n")
        os.replace(tmp, args.endpoint_file)
        print("moto: %s (log: %s)" % (server.endpoint, server.log_path), file=sys.stderr)
        while not stopping and server.proc is not None and server.proc.poll() is None:
            time.sleep(0.2)
        if not stopping:
            print("moto: server exited; log:\n" + server.log_tail(), file=sys.stderr)
            return 1
        return 0
    finally:
        server.stop()


def _cmd_env(args) -> int:
    env = terraform_env(Path(args.cli_config).resolve(), args.endpoint, args.region, base={})
    import shlex

    for key in _SCRUBBED_ENV:
        if key not in env:
            print("unset %s" % key)
    for key in sorted(env):
        print("export %s=%s" % (key, shlex.quote(env[key])))
    return 0


def _cmd_terraform_path(args) -> int:
    print(terraform_path(args.version))
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="harness.py", description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("build-provider", help="cargo build the provider; print its path")
    p.add_argument("--profile", choices=("debug", "release"), default=None)
    p.set_defaults(func=_cmd_build_provider)
    p = sub.add_parser("build-lint", help="cargo build nextstack-lint; print its path")
    p.add_argument("--profile", choices=("debug", "release"), default=None)
    p.set_defaults(func=_cmd_build_lint)
    p = sub.add_parser("forget-locked-provider", help="drop the nextstack provider's entry from a lock file")
    p.add_argument("lock_file")
    p.set_defaults(func=_cmd_forget_locked_provider)
    p = sub.add_parser("setup", help="write DIR/mirror and DIR/terraformrc for a provider binary")
    p.add_argument("--provider", required=True)
    p.add_argument("--dir", required=True)
    p.set_defaults(func=_cmd_setup)
    p = sub.add_parser("moto", help="run moto_server in the foreground until SIGTERM/SIGINT")
    p.add_argument("--endpoint-file", required=True, help="written with the endpoint URL once it answers")
    p.add_argument("--log-dir", default=None)
    p.set_defaults(func=_cmd_moto)
    p = sub.add_parser("env", help="print export lines for Terraform runs")
    p.add_argument("--endpoint", required=True)
    p.add_argument("--cli-config", required=True)
    p.add_argument("--region", default=DEFAULT_REGION)
    p.set_defaults(func=_cmd_env)
    p = sub.add_parser("terraform-path", help="print the path of a Terraform version")
    p.add_argument("version", nargs="?", default=TF_LATEST)
    p.set_defaults(func=_cmd_terraform_path)
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except HarnessError as exc:
        print("harness: ERROR: %s" % exc, file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
