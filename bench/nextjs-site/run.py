#!/usr/bin/env python3
"""nextstack_nextjs_site benchmark: prints figures, asserts nothing (it stops only if a measurement could not be made).

    bench/nextjs-site/run.py [--json FILE] [--keep] [--reps 3] [--files 10000] [--public-files 300]
                             [--only real|synthetic] [--objects-on-synthetic]

Runs itself with .tools/venv/bin/python; the provider is harness.build_provider()'s (debug unless
NEXTSTACK_PROFILE=release, or the binary NEXTSTACK_PROVIDER_BINARY names). Against the (patched) moto server,
through tests/lab/nextstack_lab/aws_proxy.py (a reverse proxy that counts every AWS request and the bytes of
request and response bodies), it publishes a Next.js build with
  * nextstack_nextjs_site (Terraform 1.15.5, `terraform apply`), with a tag table and a CloudFront distribution;
  * `aws s3 sync` (AWS CLI v1 from tests/requirements.txt) the usual way: two passes over assets/ for the
    Cache-Control split and one over cache/, without --delete;
  * one aws_s3_object per file (hashicorp/aws 5.100.0), on the real build only (--objects-on-synthetic: on the
    synthetic one too; its first apply alone runs for much longer than everything else together);
each on a fresh bucket, on two builds:
  * real: the OpenNext builds of tests/nextjs-app (tests/lab/nextstack_lab/nextjs_builds.py), b1 then b2 (/about changed);
  * synthetic: the same builds plus --files small hashed chunks under assets/_next/static/chunks/synthetic/ and
    --public-files un-hashed public files under assets/media/; its second build renames one chunk (new content)
    and changes one public file.
Publishes, in this order, from one directory whose contents are replaced as a CI checkout's would be:
  first (b1, fresh files), no change (the same files again), rebuilt (the same contents, new mtimes: what a CI
  job that builds again writes), one page changed (b2, fresh files). Each: wall time, AWS requests, objects
  uploaded, bytes uploaded and downloaded; for the Terraform tools also the no-change `terraform plan`. The real
  build runs --reps times (median wall time), the synthetic one once.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import bench_env  # noqa: E402

REPO_ROOT = bench_env.enter(__file__)

import argparse  # noqa: E402
import hashlib  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import random  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
from collections import Counter  # noqa: E402

from nextstack_lab import aws_proxy, harness, nextjs_builds  # noqa: E402

REGION = "eu-west-1"
IMMUTABLE = "public,max-age=31536000,immutable"
REVALIDATE = "public,max-age=0,s-maxage=31536000,must-revalidate"
AWS_CLI = harness.VENV_BIN / "aws"

STEPS = [
    ("first", "first publish (b1)"),
    ("no-change", "no change, same files"),
    ("rebuilt", "no change, rebuilt (new mtimes)"),
    ("one-page", "one page changed (b2)"),
]
TOOLS = [
    ("resource", "nextstack_nextjs_site"),
    ("sync", "aws s3 sync (3 passes)"),
    ("objects", "aws_s3_object per file"),
]

RESOURCE_TF = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}

provider "nextstack" {
  region = "%(region)s"
}

resource "nextstack_nextjs_site" "site" {
  build_dir          = "%(build_dir)s"
  assets_bucket      = "%(bucket)s"
  revalidation_table = "%(table)s"
  distribution_id    = "%(distribution)s"
}
"""

# The naive way: one aws_s3_object per file, the Cache-Control split and Content-Type as expressions.
OBJECTS_TF = """
terraform {
  required_providers {
    aws = { source = "hashicorp/aws", version = "%(aws_version)s" }
  }
}

provider "aws" {
  region            = "%(region)s"
  s3_use_path_style = true
}

locals {
  build  = "%(build_dir)s"
  bucket = "%(bucket)s"
  types = {
    js    = "text/javascript; charset=utf-8"
    css   = "text/css; charset=utf-8"
    json  = "application/json; charset=utf-8"
    txt   = "text/plain; charset=utf-8"
    html  = "text/html; charset=utf-8"
    svg   = "image/svg+xml; charset=utf-8"
    png   = "image/png"
    ico   = "image/x-icon"
  }
}

resource "aws_s3_object" "asset" {
  for_each      = fileset("${local.build}/assets", "**")
  bucket        = local.bucket
  key           = "_assets/${each.value}"
  source        = "${local.build}/assets/${each.value}"
  etag          = filemd5("${local.build}/assets/${each.value}")
  content_type  = lookup(local.types, try(regex("\\\\.([^./]+)$", each.value)[0], ""), "application/octet-stream")
  cache_control = startswith(each.value, "_next/") ? "%(immutable)s" : "%(revalidate)s"
}

resource "aws_s3_object" "cache" {
  for_each     = fileset("${local.build}/cache", "**")
  bucket       = local.bucket
  key          = "_cache/${each.value}"
  source       = "${local.build}/cache/${each.value}"
  etag         = filemd5("${local.build}/cache/${each.value}")
  content_type = "application/octet-stream"
}
"""


def say(msg: str) -> None:
    print("[bench] " + msg, file=sys.stderr, flush=True)


def table(rows, header, left=1, indent="  ") -> str:
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = []
    for n, r in enumerate([header] + rows):
        cells = [str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append(indent + "  ".join(cells).rstrip())
        if n == 0:
            out.append(indent + "  ".join("-" * w for w in widths))
    return "\n".join(out)


def human_bytes(n: int) -> str:
    if n < 1000:
        return "%d B" % n
    if n < 1000**2:
        return "%.1f kB" % (n / 1000)
    return "%.1f MB" % (n / 1000**2)


def ratio(a: float, b: float, show=str) -> str:
    """a / b, or what a is when b is 0."""
    if b == 0:
        return "-" if a == 0 else "%s vs 0" % show(a)
    return "%.1fx" % (a / b)


# ------------------------------------------------------------------------------------------------ builds
def synthetic(src: Path, dest: Path, files: int, public_files: int, second: bool) -> Path:
    """A copy of the real build `src` plus `files` small hashed chunks and `public_files` un-hashed public files.
    second=True: chunk 0 has other content (so another hashed name) and public file 0 is changed; the rest is the
    same bytes as in the first build. The build's own BUILD_ID and /about change come with `src` (b2)."""
    nextjs_builds.copy_build(src, dest)
    chunks = dest / "assets" / "_next" / "static" / "chunks" / "synthetic"
    media = dest / "assets" / "media"
    chunks.mkdir(parents=True)
    media.mkdir(parents=True)
    for i in range(files):
        rng = random.Random(i)
        filler = rng.randbytes(rng.randint(75, 1900)).hex()
        if second and i == 0:
            filler = "changed-" + filler
        body = ('"use strict";(self.webpackChunk_N_E=self.webpackChunk_N_E||[]).push([[%d],{%d:function(e,t,n){'
                'n.d(t,{v:function(){return "%s"}})}}]);\n' % (i, i, filler)).encode()
        name = "%d-%s.js" % (i, hashlib.sha256(body).hexdigest()[:16])
        (chunks / name).write_bytes(body)
    for i in range(public_files):
        rng = random.Random(-1 - i)
        label = "item %d%s" % (i, " (updated)" if second and i == 0 else "")
        body = ('<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64"><title>%s</title>'
                '<rect width="64" height="64" fill="#%06x"/></svg>\n' % (label, rng.randrange(1 << 24))).encode()
        (media / ("item-%03d.svg" % i)).write_bytes(body)
    return dest


def published_files(build: Path) -> dict:
    """{"assets/...": (size, sha256), "cache/...": ...}: what a publish copies."""
    out = {}
    for area in ("assets", "cache"):
        for p in sorted((build / area).rglob("*")):
            if p.is_file():
                out[p.relative_to(build).as_posix()] = (p.stat().st_size, hashlib.sha256(p.read_bytes()).hexdigest())
    return out


def describe(build: Path) -> dict:
    files = published_files(build)
    assets = [k for k in files if k.startswith("assets/")]
    return {
        "asset_files": len(assets),
        "hashed_asset_files": sum(1 for k in assets if k.startswith("assets/_next/")),
        "cache_files": len(files) - len(assets),
        "bytes": sum(s for s, _ in files.values()),
    }


def changes(old: Path, new: Path) -> dict:
    a, b = published_files(old), published_files(new)
    changed = [k for k in a if k in b and a[k] != b[k]]
    return {
        "new_files": sum(1 for k in b if k not in a),
        "gone_files": sum(1 for k in a if k not in b),
        "changed_same_key": len(changed),
        "changed_same_key_same_size": sorted(k for k in changed if a[k][0] == b[k][0]),
        "bytes_of_new_or_changed": sum(b[k][0] for k in b if a.get(k) != b[k]),
    }


def place(build: Path, site: Path) -> None:
    """Replace the site directory's contents with a fresh copy of `build` (new mtimes, as a CI build writes)."""
    shutil.rmtree(site, ignore_errors=True)
    shutil.copytree(build, site, symlinks=True, copy_function=shutil.copyfile)


def touch_all(site: Path) -> None:
    """The same contents, written again (a rebuild that produced identical output)."""
    now = time.time()
    for root, _dirs, names in os.walk(site):
        for name in names:
            p = os.path.join(root, name)
            if not os.path.islink(p):
                os.utime(p, (now, now))


# ------------------------------------------------------------------------------------------------ measuring
def summarize(snapshot: dict) -> dict:
    """Per-key counts folded into operations: S3 REST keys become `s3 <METHOD> object|bucket`."""
    ops: Counter = Counter()
    for key, n in snapshot.items():
        parts = key.split(" ", 2)
        if len(parts) == 3 and parts[0] == "s3":
            _bucket, _, key_name = parts[2].lstrip("/").partition("/")
            ops["s3 %s %s" % (parts[1], "object" if key_name else "bucket")] += n
        elif len(parts) == 3:
            ops["%s %s %s" % (parts[0], parts[1], re.sub(r"/[A-Z0-9]{10,}", "/ID", parts[2]))] += n
        else:
            ops[key] += n
    return dict(sorted(ops.items()))


def window(counter, seconds: float, extra: dict | None = None) -> dict:
    snap = counter.snapshot()
    ops = summarize(snap)
    out = {
        "seconds": round(seconds, 2),
        "requests": counter.total(),
        "errors": counter.errors(),
        "s3_requests": sum(n for k, n in ops.items() if k.startswith("s3 ")),
        "objects_uploaded": ops.get("s3 PUT object", 0),
        "bytes_uploaded": counter.payload_bytes_in(),
        "bytes_on_the_wire": counter.bytes_in(),
        "bytes_downloaded": counter.bytes_out(),
        "operations": ops,
    }
    out.update(extra or {})
    return out


def terraform_step(counter, tf, *args) -> dict:
    counter.reset()
    started = time.monotonic()
    result = tf.run(*args)
    wall = time.monotonic() - started
    if result.rc not in (0, 2):
        raise SystemExit("terraform %s failed in %s:\n%s" % (" ".join(args), tf.workdir, result.stdout[-3000:] + result.stderr[-3000:]))
    return window(counter, wall, {"exit": result.rc})


def sync_step(counter, env, site: Path, bucket: str) -> dict:
    passes = [
        ["s3", "sync", "%s/assets/" % site, "s3://%s/_assets" % bucket, "--exclude", "*", "--include", "_next/*",
         "--cache-control", IMMUTABLE],
        ["s3", "sync", "%s/assets/" % site, "s3://%s/_assets" % bucket, "--exclude", "_next/*",
         "--cache-control", REVALIDATE],
        ["s3", "sync", "%s/cache/" % site, "s3://%s/_cache" % bucket],
    ]
    counter.reset()
    started = time.monotonic()
    lines = 0
    for argv in passes:
        proc = subprocess.run([str(AWS_CLI), *argv, "--no-progress"], env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            raise SystemExit("aws %s failed (exit %d):\n%s" % (" ".join(argv), proc.returncode, proc.stdout[-3000:] + proc.stderr[-3000:]))
        lines += sum(1 for line in proc.stdout.splitlines() if line.startswith("upload:"))
    wall = time.monotonic() - started
    return window(counter, wall, {"cli_upload_lines": lines})


def make_bucket(moto, bucket: str) -> None:
    moto.client("s3", REGION).create_bucket(Bucket=bucket, CreateBucketConfiguration={"LocationConstraint": REGION})


def make_table_and_distribution(moto, name: str, bucket: str) -> str:
    """The tag table and a distribution as the user's other configuration would make them; returns its id."""
    moto.client("dynamodb", REGION).create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "tag", "KeyType": "HASH"}, {"AttributeName": "path", "KeyType": "RANGE"}],
        AttributeDefinitions=[{"AttributeName": "tag", "AttributeType": "S"}, {"AttributeName": "path", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dist = moto.client("cloudfront", REGION).create_distribution(DistributionConfig={
        "CallerReference": name,
        "Comment": "bench " + name,
        "Enabled": True,
        "Origins": {"Quantity": 1, "Items": [{
            "Id": "s3", "DomainName": "%s.s3.%s.amazonaws.com" % (bucket, REGION), "OriginPath": "/_assets",
            "S3OriginConfig": {"OriginAccessIdentity": ""}}]},
        "DefaultCacheBehavior": {
            "TargetOriginId": "s3", "ViewerProtocolPolicy": "redirect-to-https", "MinTTL": 0,
            "ForwardedValues": {"QueryString": False, "Cookies": {"Forward": "none"}},
            "TrustedSigners": {"Enabled": False, "Quantity": 0}},
    })
    return dist["Distribution"]["Id"]


def bucket_objects(moto, bucket: str) -> int:
    n = 0
    for page in moto.client("s3", REGION).get_paginator("list_objects_v2").paginate(Bucket=bucket):
        n += len(page.get("Contents", []))
    return n


def run_tool(tool, scenario, builds, work, moto, url, counter, cli_config, rep=0) -> dict:
    """The four publishes of one tool on one build pair, on a bucket of its own."""
    bucket = "bench-%s-%s-%d" % (scenario, tool, rep)
    site = work / "site" / ("%s-%s-%d" % (scenario, tool, rep)) / ".open-next"
    make_bucket(moto, bucket)
    env = harness.terraform_env(cli_config, url, REGION)
    tf = None
    if tool == "resource":
        distribution = make_table_and_distribution(moto, bucket + "-tags", bucket)
        tf = harness.Terraform(harness.TF_LATEST, work / "tf" / bucket, env)
        tf.write(RESOURCE_TF % {"region": REGION, "build_dir": site, "bucket": bucket, "table": bucket + "-tags",
                                "distribution": distribution})
    elif tool == "objects":
        tf = harness.Terraform(harness.TF_LATEST, work / "tf" / bucket, env)
        tf.write(OBJECTS_TF % {"region": REGION, "build_dir": site, "bucket": bucket, "aws_version": harness.AWS_PROVIDER_VERSION,
                               "immutable": IMMUTABLE, "revalidate": REVALIDATE})
    if tf is not None:
        tf.init_ok()

    out = {"bucket": bucket, "steps": {}}
    apply = ("apply", "-input=false", "-no-color", "-auto-approve")
    plan = ("plan", "-input=false", "-no-color", "-detailed-exitcode")
    for step, label in STEPS:
        if step == "first":
            place(builds[0], site)
        elif step == "rebuilt":
            touch_all(site)
        elif step == "one-page":
            place(builds[1], site)
        say("%s / %s / %s" % (scenario, tool, label))
        entry = {}
        if tf is not None:
            if step in ("no-change", "rebuilt"):
                entry["plan"] = terraform_step(counter, tf, *plan)
            entry["publish"] = terraform_step(counter, tf, *apply)
        else:
            entry["publish"] = sync_step(counter, env, site, bucket)
        entry["objects_in_bucket"] = bucket_objects(moto, bucket)
        out["steps"][step] = entry
    if tf is not None:
        out["state_bytes"] = len((tf.workdir / "terraform.tfstate").read_bytes())
    return out


def merge(reps: list) -> dict:
    """One tool's repetitions as one: the median wall time of each step (every time kept in seconds_all), the
    counts of the first repetition (requests_all when they differ)."""
    out = json.loads(json.dumps(reps[0]))
    for step, entry in out["steps"].items():
        for kind in ("publish", "plan"):
            if kind not in entry:
                continue
            times = [r["steps"][step][kind]["seconds"] for r in reps]
            entry[kind]["seconds"] = round(statistics.median(times), 2)
            entry[kind]["seconds_all"] = times
            counts = [r["steps"][step][kind]["requests"] for r in reps]
            if len(set(counts)) > 1:
                entry[kind]["requests_all"] = counts
    return out


# ------------------------------------------------------------------------------------------------ report
def report(figures: dict) -> str:
    lines = []
    lines.append("nextjs-site benchmark: Terraform %s, nextstack provider (%s), %s, hashicorp/aws %s, moto through a counting proxy"
                 % (figures["terraform"], figures["provider_binary"], figures["aws_cli"], figures["aws_provider"]))
    lines.append("machine: %s; load average (1, 5, 15 min) before %s, after %s" % (
        figures["machine"], " ".join(map(str, figures["load_average_before"])), " ".join(map(str, figures["load_average_after"]))))
    lines.append("wall times: median of %s" % ", ".join("%d run(s) on the %s build" % (sc["repetitions"], n) for n, sc in figures["scenarios"].items()))
    for name, sc in figures["scenarios"].items():
        b1, ch = sc["build"], sc["changes"]
        lines.append("%s build: %d asset files (%d hashed under _next/), %d cache files, %s; b2: %d new files, %d gone, "
                     "%d changed under the same key (%d with the same size), %s new or changed"
                     % (name, b1["asset_files"], b1["hashed_asset_files"], b1["cache_files"], human_bytes(b1["bytes"]),
                        ch["new_files"], ch["gone_files"], ch["changed_same_key"], len(ch["changed_same_key_same_size"]),
                        human_bytes(ch["bytes_of_new_or_changed"])))
    lines.append("")
    rows = []
    for name, sc in figures["scenarios"].items():
        for step, label in STEPS:
            for tool, tool_label in TOOLS:
                if tool not in sc["tools"]:
                    continue
                e = sc["tools"][tool]["steps"][step]
                p = e["publish"]
                plan = e.get("plan")
                rows.append([name, label, tool_label, "%.1f s" % p["seconds"], p["requests"], p["objects_uploaded"],
                             human_bytes(p["bytes_uploaded"]), human_bytes(p["bytes_downloaded"]),
                             ("%.1f s, %d req%s" % (plan["seconds"], plan["requests"], "" if plan["exit"] == 0 else ", CHANGES")) if plan else ""])
    lines.append(table(rows, ["build", "publish", "tool", "wall", "requests", "uploads", "bytes up", "bytes down", "no-change plan"], left=3))
    lines.append("")
    lines.append("aws s3 sync / nextstack_nextjs_site:")
    rows = []
    for name, sc in figures["scenarios"].items():
        for step, label in STEPS:
            r = sc["tools"]["resource"]["steps"][step]["publish"]
            s = sc["tools"]["sync"]["steps"][step]["publish"]
            rows.append([name, label, ratio(s["seconds"], r["seconds"]), ratio(s["requests"], r["requests"]),
                         ratio(s["objects_uploaded"], r["objects_uploaded"]),
                         ratio(s["bytes_uploaded"], r["bytes_uploaded"], human_bytes)])
    lines.append(table(rows, ["build", "publish", "wall", "requests", "uploads", "bytes up"], left=2))
    if any("objects" in sc["tools"] for sc in figures["scenarios"].values()):
        lines.append("")
        lines.append("aws_s3_object per file / nextstack_nextjs_site:")
        rows = []
        for name, sc in figures["scenarios"].items():
            if "objects" not in sc["tools"]:
                continue
            for step, label in STEPS:
                r = sc["tools"]["resource"]["steps"][step]
                o = sc["tools"]["objects"]["steps"][step]
                rp = r.get("plan")
                op = o.get("plan")
                rows.append([name, label, ratio(o["publish"]["seconds"], r["publish"]["seconds"]),
                             ratio(o["publish"]["requests"], r["publish"]["requests"]),
                             ratio(op["seconds"], rp["seconds"]) if rp and op else "",
                             ratio(op["requests"], rp["requests"]) if rp and op else ""])
        lines.append(table(rows, ["build", "publish", "apply wall", "apply requests", "plan wall", "plan requests"], left=2))
    lines.append("")
    for name, sc in figures["scenarios"].items():
        objs = ", ".join("%s %d" % (dict(TOOLS)[t], sc["tools"][t]["steps"]["one-page"]["objects_in_bucket"]) for t in sc["tools"])
        states = ", ".join("%s %s" % (dict(TOOLS)[t], human_bytes(sc["tools"][t]["state_bytes"])) for t in sc["tools"] if "state_bytes" in sc["tools"][t])
        lines.append("%s: objects in the bucket after b2: %s; Terraform state: %s" % (name, objs, states))
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    parser.add_argument("--files", type=int, default=10000, help="hashed chunks the synthetic build adds (default 10000)")
    parser.add_argument("--public-files", type=int, default=300, help="un-hashed public files it adds (default 300)")
    parser.add_argument("--only", choices=("real", "synthetic"), help="run one of the two builds")
    parser.add_argument("--reps", type=int, default=3, help="repetitions on the real build, median reported (default 3; the synthetic build runs once)")
    parser.add_argument("--objects-on-synthetic", action="store_true",
                        help="also run aws_s3_object per file on the synthetic build (takes very long)")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nextstack-bench-nextjs-"))
    say("scratch: %s" % work)
    provider = harness.build_provider()
    mirror = harness.make_mirror(provider, work / "mirror")
    cli_config = harness.write_cli_config(work / "terraformrc", mirror)
    say("OpenNext builds (cached after the first time)")
    real = [nextjs_builds.build("b1"), nextjs_builds.build("b2", variant=2)]
    scenarios = {}
    if args.only in (None, "real"):
        scenarios["real"] = (real, ["resource", "sync", "objects"], max(1, args.reps))
    if args.only in (None, "synthetic"):
        say("synthetic builds: %d chunks and %d public files added to copies of b1 and b2" % (args.files, args.public_files))
        synth = [synthetic(real[0], work / "synthetic-b1" / ".open-next", args.files, args.public_files, second=False),
                 synthetic(real[1], work / "synthetic-b2" / ".open-next", args.files, args.public_files, second=True)]
        scenarios["synthetic"] = (synth, ["resource", "sync"] + (["objects"] if args.objects_on_synthetic else []), 1)

    aws_cli = subprocess.run([str(AWS_CLI), "--version"], capture_output=True, text=True)
    figures = {
        "machine": "%s, %s, %d cores, Python %s" % (platform.machine(), platform.platform(), os.cpu_count() or 0, platform.python_version()),
        "terraform": harness.TF_LATEST,
        "aws_provider": harness.AWS_PROVIDER_VERSION,
        "aws_cli": (aws_cli.stdout or aws_cli.stderr).split()[0] if (aws_cli.stdout or aws_cli.stderr) else "aws-cli ?",
        "provider_binary": ("%s (NEXTSTACK_PROVIDER_BINARY)" % provider if os.environ.get("NEXTSTACK_PROVIDER_BINARY")
                            else "%s build" % (os.environ.get("NEXTSTACK_PROFILE") or "debug")),
        "load_average_before": [round(x, 2) for x in os.getloadavg()],
        "scenarios": {},
    }
    with harness.MotoServer(log_dir=work) as moto:
        url, counter = aws_proxy.start(moto.endpoint)
        try:
            for name, (builds, tools, reps) in scenarios.items():
                ch = changes(builds[0], builds[1])
                sc = {"build": describe(builds[0]), "changes": ch, "repetitions": reps, "tools": {}}
                figures["scenarios"][name] = sc
                runs = {tool: [] for tool in tools}
                for rep in range(reps):
                    for tool in tools:  # interleaved, so that a busy moment of the machine hits every tool
                        runs[tool].append(run_tool(tool, name, builds, work, moto, url, counter, cli_config, rep))
                for tool in tools:
                    sc["tools"][tool] = merge(runs[tool])
        finally:
            counter.stop()
    figures["load_average_after"] = [round(x, 2) for x in os.getloadavg()]

    print()
    print(report(figures))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    if args.keep:
        say("kept %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
