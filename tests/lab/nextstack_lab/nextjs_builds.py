"""Real OpenNext builds of tests/nextjs-app for the tests, made once and kept outside the clone.

    build("b1")            -> Path of a .open-next directory (variant 1, BUILD_ID nextstack-b1)
    build("b2", variant=2) -> the same app with /about changed (its page, RSC payload and client chunk)
    build("p1", config=DIR) -> built with DIR's open-next.config.ts (e.g. modules/lambda-previews/opennext)
    standalone_build("s1")  -> Path of an app directory (.next/ and public/) of `next build` with output: "standalone"
                               (no OpenNext), variant 1, BUILD_ID nextstack-s1; variant=2 changes /about as above

Each build is ~1 minute on two cores, so builds are cached under $NEXTSTACK_CACHE/builds (default
~/.cache/nextstack/builds), keyed by every tracked file of the app, the variant and the build id: a changed app
or lock file builds again; an unchanged one is reused across sessions and clones. build.sh builds inside the
app directory, so builds are serialised with a file lock (pytest-xdist workers or a second checkout may ask at
the same time). A failed build raises with build.sh's output: the tests that need a build fail, never skip.
Treat the returned directories as read-only; copy one (copy_build) to change it.

native_files(bundle) reads what architecture a function bundle's native code was built for, and elf_header(arch)
makes a *.node file to plant in a copy, independently of the provider's own reader.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shutil
import subprocess
import time
from pathlib import Path

from nextstack_lab import harness

APP_DIR = harness.REPO_ROOT / "tests" / "nextjs-app"
BUILD_SCRIPT = APP_DIR / "build.sh"
CACHE_ROOT = Path(
    os.environ.get("NEXTSTACK_CACHE") or Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "nextstack"
)
BUILD_TIMEOUT = float(os.environ.get("NEXTSTACK_BUILD_TIMEOUT", "900"))


def app_digest() -> str:
    """sha256 over the app's tracked files (names and contents): what decides a build's output."""
    return tracked_digest(APP_DIR)


def tracked_digest(*paths: Path) -> str:
    """sha256 over the tracked files under `paths` (names and contents)."""
    listed = subprocess.run(
        ["git", "-C", str(harness.REPO_ROOT), "ls-files", "-z", "--", *map(str, paths)],
        check=True,
        capture_output=True,
    ).stdout.split(b"\0")
    digest = hashlib.sha256()
    for rel in sorted(p for p in listed if p):
        digest.update(rel + b"\0")
        digest.update(hashlib.sha256((harness.REPO_ROOT / rel.decode()).read_bytes()).digest())
    return digest.hexdigest()


def build_id_for(name: str) -> str:
    return "nextstack-" + name


def build(name: str, variant: int = 1, config: Path | None = None) -> Path:
    """The .open-next directory of build `name` (BUILD_ID nextstack-<name>), building it if not cached; with
    `config`, built with that directory's open-next.config.ts (its files are part of the cache key)."""
    build_id = build_id_for(name)
    config_part = "-" + tracked_digest(config)[:12] if config else ""
    key = "%s-v%d-%s%s" % (app_digest()[:16], variant, build_id, config_part)
    out = CACHE_ROOT / "builds" / key
    if (out / "open-next.output.json").is_file():
        return used(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    with open(CACHE_ROOT / "builds" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (out / "open-next.output.json").is_file():
            return used(out)
        partial = out.with_name(out.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        env = dict(os.environ, NEXTSTACK_VARIANT=str(variant), NEXTSTACK_BUILD_ID=build_id, NEXTSTACK_REQUIRE_SHARP="1")
        if config:
            env["NEXTSTACK_OPENNEXT_CONFIG"] = str(config)
        try:
            proc = subprocess.run(
                [str(BUILD_SCRIPT), str(partial)],
                env=env,
                capture_output=True,
                text=True,
                timeout=BUILD_TIMEOUT,
            )
        except FileNotFoundError as exc:
            raise harness.HarnessError("cannot run %s: %s" % (BUILD_SCRIPT, exc)) from exc
        if proc.returncode != 0:
            raise harness.HarnessError(
                "the OpenNext build %s (variant %d) failed (exit %d):\n%s"
                % (build_id, variant, proc.returncode, harness._tail(proc.stdout + proc.stderr))
            )
        partial.rename(out)
        prune(CACHE_ROOT / "builds", keep=key)
    return out


def standalone_build(name: str, variant: int = 1) -> Path:
    """The app directory (.next/ without its cache, public/) of a standalone `next build` of the test app,
    BUILD_ID nextstack-<name>, building it if not cached. Kept under $NEXTSTACK_CACHE/standalone, apart from the
    OpenNext builds (whose pruning never removes these); built under the same lock, as both build in the app."""
    build_id = build_id_for(name)
    key = "%s-v%d-%s" % (app_digest()[:16], variant, build_id)
    root = CACHE_ROOT / "standalone"
    out = root / key
    if (out / ".next" / "BUILD_ID").is_file():
        return used(out)
    root.mkdir(parents=True, exist_ok=True)
    (CACHE_ROOT / "builds").mkdir(parents=True, exist_ok=True)
    with open(CACHE_ROOT / "builds" / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (out / ".next" / "BUILD_ID").is_file():
            return used(out)
        partial = out.with_name(out.name + ".partial")
        shutil.rmtree(partial, ignore_errors=True)
        env = dict(os.environ, NEXTSTACK_OUTPUT="standalone", NEXTSTACK_VARIANT=str(variant), NEXTSTACK_BUILD_ID=build_id)
        env.pop("NEXTSTACK_OPENNEXT_CONFIG", None)
        try:
            proc = subprocess.run(
                [str(BUILD_SCRIPT), str(partial)], env=env, capture_output=True, text=True, timeout=BUILD_TIMEOUT
            )
        except FileNotFoundError as exc:
            raise harness.HarnessError("cannot run %s: %s" % (BUILD_SCRIPT, exc)) from exc
        if proc.returncode != 0:
            raise harness.HarnessError(
                "the standalone build %s (variant %d) failed (exit %d):\n%s"
                % (build_id, variant, proc.returncode, harness._tail(proc.stdout + proc.stderr))
            )
        partial.rename(out)
        prune(root, keep=key)
    return out


# A cached build of another app version is dropped once nothing has asked for it for this long: tests that run
# at the same time from another state of the checkout (another session's edit of the app) may still be using it.
UNUSED_FOR = 3600.0


def used(build_dir: Path) -> Path:
    """Marks a cached build as just used (its directory's mtime), so that prune leaves it alone for a while."""
    try:
        os.utime(build_dir)
    except OSError:
        pass
    return build_dir


def prune(root: Path, keep: str) -> None:
    """Drops cached builds of other app versions (a build is ~60 MB) not used for UNUSED_FOR seconds."""
    prefix = keep.split("-", 1)[0]
    for entry in root.iterdir():
        if not entry.is_dir() or entry.name.startswith((prefix, ".")):
            continue
        try:
            idle = time.time() - entry.stat().st_mtime
        except OSError:
            continue
        if idle > UNUSED_FOR:
            shutil.rmtree(entry, ignore_errors=True)


ELF_MACHINES = {62: "x86_64", 183: "arm64"}
PLATFORM_PACKAGE = re.compile(r"^sharp-(libvips-)?linux(musl)?-(x64|arm64)$")


def elf_header(arch: str) -> bytes:
    """The first 64 bytes of a little-endian ELF64 shared object for `arch` (x86_64 or arm64): enough for a reader
    of e_machine, as a planted *.node file."""
    machine = {a: m for m, a in ELF_MACHINES.items()}[arch]
    return b"\x7fELF\x02\x01\x01" + bytes(9) + (3).to_bytes(2, "little") + machine.to_bytes(2, "little") + bytes(44)


def native_files(bundle: Path) -> dict:
    """{architecture: [relative paths]} of a bundle's native code, read independently of the provider: the ELF
    e_machine of every *.node file and the architecture in the name of sharp's @img/sharp-[libvips-]linux-<arch>
    directories (links followed)."""
    found: dict = {}
    for root, dirs, names in os.walk(bundle, followlinks=True):
        here = Path(root)
        for d in dirs:
            m = PLATFORM_PACKAGE.match(d)
            if here.name == "@img" and m:
                arch = "x86_64" if m.group(3) == "x64" else "arm64"
                found.setdefault(arch, []).append((here / d).relative_to(bundle).as_posix())
        for name in names:
            if name.endswith(".node"):
                head = (here / name).read_bytes()[:20]
                if head[:4] == b"\x7fELF":
                    arch = ELF_MACHINES[int.from_bytes(head[18:20], "little")]
                    found.setdefault(arch, []).append((here / name).relative_to(bundle).as_posix())
    return found


def copy_build(src: Path, dest: Path) -> Path:
    """A private copy of a build (hard links would let a test's edits reach the cache: files are copied)."""
    shutil.copytree(src, dest, symlinks=True)
    return dest
