"""data "nextstack_nextjs_build" through real Terraform (1.15.5 and 1.0.3) on a real OpenNext build.

The build comes from the session's nextjs_builds fixture (nextstack_lab.nextjs_builds) and is read-only: every
test writes its zips under its own tmp_path. What the data source returns is compared with open-next.output.json
itself, and every zip is unzipped and compared, file by file, with the bundle directory it was made from. No AWS
is involved (the data source makes no AWS call), so these tests run without moto.
"""

import base64
import hashlib
import json
import os
import shutil
import stat
import zipfile
from pathlib import Path

from nextstack_lab import nextjs_builds as builds

PROVIDERS = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}
"""

ROLES = {
    "default": "server",
    "imageOptimizer": "image_optimization",
    "warmer": "warmer",
    "revalidation": "revalidation",
    "initialization": "initialization",
}
ADDITIONAL = {"warmer": "warmer", "revalidationFunction": "revalidation", "initializationFunction": "initialization"}


def config(build_dir: Path, zip_dir: Path | None = None) -> str:
    zip_line = '  zip_dir   = "%s"\n' % zip_dir if zip_dir is not None else ""
    return (
        PROVIDERS
        + """
data "nextstack_nextjs_build" "site" {
  build_dir = "%s"
%s}

output "build" { value = data.nextstack_nextjs_build.site }
# What aws_lambda_function compares source_code_hash with, computed by Terraform itself.
output "filebase64sha256" {
  value = { for name, f in data.nextstack_nextjs_build.site.functions : name => filebase64sha256(f.zip_path) }
}
"""
        % (build_dir, zip_line)
    )


def bundle_resolved(path: str, build_dir: Path) -> Path:
    """A bundle path of open-next.output.json (".open-next/...") inside build_dir."""
    parts = Path(path).parts
    return build_dir.joinpath(*(parts[1:] if parts[0] == ".open-next" else parts))


def expected_functions(output: dict, build_dir: Path) -> dict:
    """{name: (bundle_dir, handler, streaming)} as open-next.output.json lists them."""
    out = {}
    for name, origin in output["origins"].items():
        if origin["type"] == "function":
            out[name] = (bundle_resolved(origin["bundle"], build_dir), origin["handler"], bool(origin.get("streaming")))
    for key, name in ADDITIONAL.items():
        f = (output.get("additionalProps") or {}).get(key)
        if f:
            out[name] = (bundle_resolved(f["bundle"], build_dir), f["handler"], bool(f.get("streaming")))
    for name, f in (output.get("edgeFunctions") or {}).items():
        out["edge:" + name] = (bundle_resolved(f["bundle"], build_dir), f["handler"], bool(f.get("streaming")))
    return out


def bundle_files(bundle: Path) -> dict:
    """{relative posix path: (bytes, owner-executable)} of every file under bundle, symbolic links followed."""
    files = {}
    for root, dirs, names in os.walk(bundle, followlinks=True):
        for name in names:
            path = Path(root) / name
            rel = path.relative_to(bundle).as_posix()
            files[rel] = (path.read_bytes(), bool(path.stat().st_mode & stat.S_IXUSR))
    return files


def zip_files(zip_path: Path) -> dict:
    """{name: (bytes, unix mode, date_time, extra)} of a zip's (Deflate, Unix) entries, in the zip's order (dicts keep it)."""
    out = {}
    with zipfile.ZipFile(zip_path) as z:
        assert z.testzip() is None, "a corrupt entry in %s" % zip_path
        for info in z.infolist():
            assert info.compress_type == zipfile.ZIP_DEFLATED and info.create_system == 3, info
            out[info.filename] = (z.read(info), info.external_attr >> 16, info.date_time, info.extra)
    return out


def sha256_b64(path: Path) -> str:
    return base64.b64encode(hashlib.sha256(path.read_bytes()).digest()).decode()


def snapshot(zip_dir: Path) -> dict:
    """{file name: (inode, mtime_ns, size)} of the zips: changes when a zip is written again."""
    return {p.name: (p.stat().st_ino, p.stat().st_mtime_ns, p.stat().st_size) for p in sorted(zip_dir.iterdir())}


def test_reads_a_real_build_and_zips_every_function_deterministically(terraform, nextjs_builds, tmp_path):
    build = nextjs_builds.get("b1")
    output = json.loads((build / "open-next.output.json").read_text())
    zip_dir = tmp_path / "zips"
    tf = terraform(aws=False)
    tf.write(config(build, zip_dir))
    tf.apply_ok()
    got = tf.outputs()["build"]

    assert got["build_id"] == builds.build_id_for("b1") == got["id"]
    assert got["build_dir"] == str(build)
    assert got["zip_dir"] == str(zip_dir)
    assert got["behaviors"] == [{"pattern": b["pattern"], "origin": b["origin"]} for b in output["behaviors"]]
    assert got["origins"] == {
        name: {
            "type": o["type"],
            "origin_path": o.get("originPath") if o["type"] == "s3" else None,
            "function": name if o["type"] == "function" else None,
        }
        for name, o in output["origins"].items()
    }
    copies = output["origins"]["s3"]["copy"]
    assert got["assets_prefix"] == next(c["to"] for c in copies if c.get("cached")) == "_assets"
    assert got["cache_prefix"] == next(c["to"] for c in copies if not c.get("cached")) == "_cache"

    expected = expected_functions(output, build)
    assert set(got["functions"]) == set(expected) >= {"default", "imageOptimizer", "warmer", "revalidation"}
    hashes = tf.outputs()["filebase64sha256"]
    for name, (bundle, handler, streaming) in expected.items():
        f = got["functions"][name]
        assert f["role"] == ROLES.get(name, "edge" if name.startswith("edge:") else "server"), name
        assert f["bundle_dir"] == str(bundle), name
        assert f["handler"] == handler and f["streaming"] is streaming, name
        zip_path = Path(f["zip_path"])
        assert zip_path.is_absolute() and zip_path.parent == zip_dir, f["zip_path"]
        assert f["zip_size"] == zip_path.stat().st_size, name
        assert f["source_code_hash"] == sha256_b64(zip_path) == hashes[name], name
        # The architecture its native code was built for, read from the bundle's own binaries.
        native = builds.native_files(bundle)
        assert len(native) <= 1, "%s: the test build mixes architectures: %s" % (name, native)
        assert f["native_architecture"] == next(iter(native), None), (name, native)

        # The zip holds exactly the bundle's files, byte for byte, sorted, with fixed times and modes.
        source = bundle_files(bundle)
        entries = zip_files(zip_path)
        assert list(entries) == sorted(source), "%s: the zip lists exactly the bundle's files, sorted" % name
        for rel, (data, mode, date_time, extra) in entries.items():
            content, executable = source[rel]
            assert data == content, "%s: %s differs from the bundle" % (name, rel)
            assert mode == stat.S_IFREG | (0o755 if executable else 0o644), "%s: %s has mode %o" % (name, rel, mode)
            assert date_time == (1980, 1, 1, 0, 0, 0) and extra == b"", "%s: %s carries a time" % (name, rel)
    # sharp's binaries (the build insists on them: NEXTSTACK_REQUIRE_SHARP) bind the image function to one
    # architecture, whichever npm installed; the functions without native code are bound to none.
    assert got["functions"]["imageOptimizer"]["native_architecture"] in ("x86_64", "arm64")
    assert got["functions"]["warmer"]["native_architecture"] is None
    server = zip_files(Path(got["functions"]["default"]["zip_path"]))
    assert len(server) > 1000, "the server bundle with its node_modules"
    assert any(mode & 0o100 for _, mode, _, _ in server.values()), "the executable bit is kept (a node_modules/.bin tool)"
    assert not (build / ".nextstack").exists(), "the cached build was written to"

    # A second plan reads the build again, reuses every zip (none is written again) and plans nothing.
    before = snapshot(zip_dir)
    tf.assert_no_changes()
    assert snapshot(zip_dir) == before, "an unchanged bundle must not be zipped again"

    # Read into another zip_dir (another working directory, another provider process): the same bytes.
    other_dir = tmp_path / "other-zips"
    tf2 = terraform(aws=False)
    tf2.write(config(build, other_dir))
    tf2.apply_ok()
    again = tf2.outputs()["build"]
    for name, f in got["functions"].items():
        g = again["functions"][name]
        assert Path(g["zip_path"]).parent == other_dir
        assert Path(g["zip_path"]).read_bytes() == Path(f["zip_path"]).read_bytes(), "%s: zips differ" % name
        assert g["source_code_hash"] == f["source_code_hash"]


def scrambled_copy(src: Path, dest: Path) -> Path:
    """A copy of a build made the way another machine might: files created in reverse order (so directories list
    them in another order where the file system keeps creation order), contents only (every mtime is now), and
    permissions from another umask (0600 / 0700, the owner's executable bit kept)."""
    files = sorted((p for p in src.rglob("*") if p.is_file()), reverse=True)
    for path in files:
        target = dest / path.relative_to(src)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target)
        target.chmod(0o700 if path.stat().st_mode & stat.S_IXUSR else 0o600)
    return dest


def test_zip_dir_defaults_to_the_build_dir_and_a_copy_of_the_build_zips_the_same(terraform, nextjs_builds, tmp_path):
    build = nextjs_builds.get("b1")
    copy = scrambled_copy(build, tmp_path / "app" / ".open-next")
    tf = terraform(aws=False)
    tf.write(config(copy))
    tf.apply_ok()
    got = tf.outputs()["build"]
    default_dir = copy / ".nextstack" / "zips"
    assert got["zip_dir"] == str(default_dir)
    assert sorted(p.name for p in default_dir.iterdir()) == sorted(
        "%s.zip" % name.replace(":", "_") for name in got["functions"]
    ), "one zip per function, nothing else (no temporary files)"

    # The copy has other mtimes, permissions and creation order: its zips are the original's, byte for byte.
    tf2 = terraform(aws=False)
    tf2.write(config(build, tmp_path / "original-zips"))
    tf2.apply_ok()
    original = tf2.outputs()["build"]
    for name, f in got["functions"].items():
        assert f["source_code_hash"] == original["functions"][name]["source_code_hash"], name
        assert Path(f["zip_path"]).read_bytes() == Path(original["functions"][name]["zip_path"]).read_bytes(), name
        assert f["bundle_dir"].startswith(str(copy) + "/"), f["bundle_dir"]
    tf.assert_no_changes()

    # One changed file of the server bundle: only the server's zip (and hash) changes.
    handler = copy / "server-functions" / "default" / "index.mjs"
    handler.write_text(handler.read_text() + "\n// changed\n")
    tf.apply_ok()
    changed = tf.outputs()["build"]
    for name, f in got["functions"].items():
        same = changed["functions"][name]["source_code_hash"] == f["source_code_hash"]
        assert same == (name != "default"), name


def test_a_bad_build_dir_fails_at_plan_naming_the_path(terraform, nextjs_builds, tmp_path):
    tf = terraform(aws=False)

    missing = tmp_path / "no-such-build" / ".open-next"
    tf.write(config(missing, tmp_path / "zips"))
    result = tf.plan_fails(contains="%s: does not exist" % missing)
    assert_at_build_dir(result)

    empty = tmp_path / "empty"
    empty.mkdir()
    tf.write(config(empty, tmp_path / "zips"))
    result = tf.plan_fails(
        contains="%s: not found: this is not an OpenNext build directory" % (empty / "open-next.output.json")
    )
    assert_at_build_dir(result)

    future = builds.copy_build(nextjs_builds.get("b1"), tmp_path / "future" / ".open-next")
    output_file = future / "open-next.output.json"
    output = json.loads(output_file.read_text())
    output_file.write_text(json.dumps({"version": "9.0", **output}))
    tf.write(config(future, tmp_path / "zips"))
    result = tf.plan_fails(contains="%s: version: unknown OpenNext output version 9.0" % output_file)
    assert_at_build_dir(result)
    assert not (tmp_path / "zips").exists(), "nothing is zipped from a build that cannot be read"


def test_a_standalone_build_is_refused_saying_what_it_is(terraform, tmp_path):
    """A standalone Next.js build (no OpenNext) has no functions or behaviours: the plan fails at build_dir,
    saying it is a Next.js app directory and what publishes it."""
    app = tmp_path / "app"
    shutil.copytree(builds.standalone_build("s1") / ".next", app / ".next", ignore=shutil.ignore_patterns("standalone"))
    tf = terraform(aws=False)
    tf.write(config(app, tmp_path / "zips"))
    result = tf.plan_fails(
        contains="%s: not found: this is the app directory of a Next.js build, not an OpenNext build directory"
        % (app / "open-next.output.json")
    )
    assert "nextstack_nextjs_site publishes a standalone Next.js build" in " ".join(result.stderr.replace("│", " ").split())
    assert_at_build_dir(result)


def test_a_bundle_with_native_code_for_both_architectures_fails_at_plan_naming_the_function_and_files(
    terraform, nextjs_builds, tmp_path
):
    """A native module built for the other architecture beside the image function's sharp: Lambda can run the
    function on neither, so the plan fails naming the function and a file of each architecture, before any zip is
    written."""
    build = builds.copy_build(nextjs_builds.get("b1"), tmp_path / "mixed" / ".open-next")
    image = build / "image-optimization-function"
    (arch, files), = builds.native_files(image).items()
    sharp = next(f for f in files if f.endswith(".node"))
    other = "x86_64" if arch == "arm64" else "arm64"
    planted = image / "node_modules" / "nextstack-probe" / "build" / "Release" / "probe.node"
    planted.parent.mkdir(parents=True)
    planted.write_bytes(builds.elf_header(other))

    tf = terraform(aws=False)
    tf.write(config(build, tmp_path / "zips"))
    result = tf.plan_fails(contains='function "imageOptimizer" mixes native code for two architectures')
    text = " ".join((result.stdout + result.stderr).split())
    for needle in (sharp, "is %s" % arch, "node_modules/nextstack-probe/build/Release/probe.node is %s" % other):
        assert needle in text, "%r not in:\n%s" % (needle, text)
    assert_at_build_dir(result)
    assert not (tmp_path / "zips").exists() or not any((tmp_path / "zips").iterdir()), "nothing is zipped"

    # The same module built for the image function's own architecture: one architecture, reported.
    planted.write_bytes(builds.elf_header(arch))
    tf.write(config(build, tmp_path / "zips") + 'output "image_arch" { value = data.nextstack_nextjs_build.site.functions["imageOptimizer"].native_architecture }\n')
    tf.apply_ok()
    assert tf.outputs()["image_arch"] == arch


def assert_at_build_dir(result) -> None:
    """The diagnostic points at the build_dir argument (Terraform prints that line of the configuration)."""
    text = result.stdout + result.stderr
    assert "Unusable OpenNext build" in text, text
    assert 'data "nextstack_nextjs_build" "site"' in text and "build_dir =" in text, text


MOVABLE = """
terraform {
  required_providers {
    aws       = { source = "hashicorp/aws" }
    nextstack = { source = "nextstack/nextstack" }
  }
}

provider "aws" {
  region = "eu-west-1"
}

data "nextstack_nextjs_build" "site" {
  build_dir = "../app/.open-next"
}

locals {
  warmer = data.nextstack_nextjs_build.site.functions["warmer"]
}

resource "aws_iam_role" "warmer" {
  name = "movable-warmer"
  assume_role_policy = jsonencode({
    Version   = "2012-10-17"
    Statement = [{ Effect = "Allow", Action = "sts:AssumeRole", Principal = { Service = "lambda.amazonaws.com" } }]
  })
}

resource "aws_lambda_function" "warmer" {
  function_name    = "movable-warmer"
  role             = aws_iam_role.warmer.arn
  runtime          = "nodejs20.x"
  handler          = local.warmer.handler
  filename         = local.warmer.zip_path
  source_code_hash = local.warmer.source_code_hash
}

output "warmer" { value = local.warmer }
output "zip_dir" { value = data.nextstack_nextjs_build.site.zip_dir }
"""


def test_relative_paths_stay_relative_so_a_moved_checkout_plans_no_change(terraform_latest, aws, nextjs_builds, tmp_path):
    """build_dir relative to the root module gives relative zip and bundle paths: a Lambda's `filename` is the
    same string on every machine and in every CI workspace, so moving the checkout plans nothing."""
    checkout = tmp_path / "checkout-a"
    shutil.copytree(nextjs_builds.get("b1"), checkout / "app" / ".open-next")
    tf = terraform_latest(checkout / "infra")
    tf.write(MOVABLE)
    tf.apply_ok()
    out = tf.outputs()
    assert out["zip_dir"] == "../app/.open-next/.nextstack/zips", out["zip_dir"]
    assert out["warmer"]["zip_path"] == "../app/.open-next/.nextstack/zips/warmer.zip", out["warmer"]
    assert out["warmer"]["bundle_dir"].startswith("../app/.open-next/"), out["warmer"]
    assert (checkout / "app" / ".open-next" / ".nextstack" / "zips" / "warmer.zip").is_file()
    function = aws.client("lambda").get_function(FunctionName="movable-warmer")["Configuration"]
    assert function["CodeSha256"] == out["warmer"]["source_code_hash"], function

    moved = tmp_path / "elsewhere" / "checkout-b"
    moved.parent.mkdir()
    shutil.move(str(checkout), str(moved))
    tf_moved = terraform_latest(moved / "infra")
    tf_moved.assert_no_changes()
    tf_moved.destroy_ok()
    assert aws.client("lambda").list_functions()["Functions"] == []
