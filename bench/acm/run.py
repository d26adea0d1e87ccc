#!/usr/bin/env python3
"""nextstack_acm_certificate benchmark: prints figures, asserts nothing.

    bench/acm/run.py [--names 1,10,50] [--reps 3] [--profile release|debug] [--no-build] [--legacy]
                     [--wait SECONDS] [--json FILE] [--keep]

For a certificate with 1, 10 and 50 names (example.com, *.example.com, n1.example.com, ...) in us-east-1 of the
workload account, validated through a hosted zone in a second account reached with `validation.role_arn`, it
measures the wall time of `terraform apply` and `terraform destroy` (each a whole Terraform run: start-up,
provider start, refresh where there is state, the work) and the AWS requests the provider made, counted by
tests/lab/nextstack_lab/aws_proxy.py, a reverse proxy between the provider (AWS_ENDPOINT_URL) and moto. Requests are
broken down by operation for the largest case.

moto issues a certificate MOTO_ACM_VALIDATION_WAIT seconds after it was requested (--wait, default 1: moto
flips the status only once strictly more than that has passed), so every apply contains that wait; the table
shows it. moto enforces ACM's default quota of 10 subject alternative names per request; for the cases above
10 names this benchmark raises the emulator's limit to 100, as an AWS quota increase does (sitecustomize.py in a
scratch directory patches moto's handler at start-up). Runs itself with .tools/venv/bin/python.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import bench_env  # noqa: E402

REPO_ROOT = bench_env.enter(__file__)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from nextstack_lab import aws_proxy, dns_account, harness  # noqa: E402
from nextstack_lab.dns_account import DNS_ACCOUNT  # noqa: E402

DNS_ROLE = dns_account.role_arn("dns")
DOMAIN = "example.com"

# Loaded by moto's Python at start-up (PYTHONPATH): lifts the emulator's 10-SAN limit to AWS's maximum of 100.
SITECUSTOMIZE = '''
import inspect, textwrap
import moto.acm.responses as _r
_cls = _r.AWSCertificateManagerResponse
_src = textwrap.dedent(inspect.getsource(_cls.request_certificate))
if "len(subject_alt_names) > 10" in _src:
    _ns = {}
    exec(compile(_src.replace("len(subject_alt_names) > 10", "len(subject_alt_names) > 100"), _r.__file__, "exec"), _r.__dict__, _ns)
    _cls.request_certificate = _ns["request_certificate"]
'''

CONFIG = """
terraform {
  required_providers {
    nextstack = { source = "nextstack/nextstack" }
  }
}

provider "nextstack" {
  region = "eu-west-1"
}

resource "nextstack_acm_certificate" "bench" {
  domain_name               = "%(domain)s"
  subject_alternative_names = %(sans)s
  region                    = "us-east-1"

  validation {
    hosted_zone_id = "%(zone)s"
    role_arn       = "%(role)s"
  }
}
"""


class BenchError(RuntimeError):
    pass


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


def names_for(n: int) -> list[str]:
    """n names: the apex, its wildcard (they share a validation record), then n1, n2, ... below the apex."""
    out = [DOMAIN]
    if n > 1:
        out.append("*." + DOMAIN)
    out += ["n%d.%s" % (i, DOMAIN) for i in range(1, n - len(out) + 1)]
    return out


def generic(key: str, zone: str) -> str:
    """Counting keys with ids made generic, so runs add up: zone ids, change ids."""
    key = key.replace(zone, "{zone}")
    return re.sub(r"/change/[A-Za-z0-9]+", "/change/{id}", key)


def zone_counts(server, zone: str) -> tuple[int, int]:
    r53 = server.client("route53", account=DNS_ACCOUNT)
    sets = r53.list_resource_record_sets(HostedZoneId=zone)["ResourceRecordSets"]
    return len(sets), sum(1 for s in sets if s["Type"] == "CNAME")


def run_case(server, counter, env, version: str, n: int, rep: int, work: Path) -> dict:
    r53 = server.client("route53", account=DNS_ACCOUNT)  # setup and checks go straight to moto: not counted
    zone = dns_account.create_zone(server, DOMAIN, reference="bench-%d-%d-%s" % (n, rep, version))
    before, _ = zone_counts(server, zone)
    names = names_for(n)
    tf = harness.Terraform(version, work / ("tf-%s-%d-%d" % (version, n, rep)), env)
    tf.write(CONFIG % {"domain": names[0], "sans": json.dumps(names[1:]), "zone": zone, "role": DNS_ROLE})
    tf.init_ok()

    counter.reset()
    t0 = time.monotonic()
    result = tf.apply()
    apply_s = time.monotonic() - t0
    apply_req = counter.reset()
    if result.rc != 0:
        raise BenchError("apply with %d names failed:\n%s" % (n, result.stdout[-3000:] + result.stderr[-3000:]))
    state = tf.resource("nextstack_acm_certificate.bench")
    after, cnames = zone_counts(server, zone)

    t0 = time.monotonic()
    result = tf.destroy()
    destroy_s = time.monotonic() - t0
    destroy_req = counter.reset()
    if result.rc != 0:
        raise BenchError("destroy with %d names failed:\n%s" % (n, result.stdout[-3000:] + result.stderr[-3000:]))
    left, _ = zone_counts(server, zone)
    r53.delete_hosted_zone(Id=zone)
    return {
        "names": n,
        "records": len(state["validation_records"]),
        "cnames_in_zone": cnames,
        "zone_restored": left == before,
        "status": state["status"],
        "apply_s": apply_s,
        "destroy_s": destroy_s,
        "apply_requests": {generic(k, zone): v for k, v in apply_req.items()},
        "destroy_requests": {generic(k, zone): v for k, v in destroy_req.items()},
    }


def summarize(runs: list[dict]) -> dict:
    last = runs[-1]
    return {
        "names": last["names"],
        "records": last["records"],
        "cnames_in_zone": last["cnames_in_zone"],
        "zone_restored": all(r["zone_restored"] for r in runs),
        "status": last["status"],
        "apply_s": [r["apply_s"] for r in runs],
        "destroy_s": [r["destroy_s"] for r in runs],
        "apply_requests": last["apply_requests"],
        "destroy_requests": last["destroy_requests"],
    }


def report(meta: dict, results: dict, wait: int) -> str:
    out = []
    p = out.append
    p("nextstack_acm_certificate benchmark")
    p("  " + ", ".join("%s=%s" % kv for kv in meta.items()))
    p("  certificate in us-east-1 of 123456789012; records in a zone of %s reached through role_arn" % DNS_ACCOUNT)
    p("  moto issues after MOTO_ACM_VALIDATION_WAIT=%d s (the status flips once > %d s have passed): part of every apply" % (wait, wait))
    p("")
    for version, cases in results.items():
        p("Terraform %s (median of %d runs; requests from the last run)" % (version, len(next(iter(cases.values()))["apply_s"])))
        rows = []
        for n, c in cases.items():
            rows.append([
                str(n),
                str(c["records"]),
                "%.2f s" % statistics.median(c["apply_s"]),
                str(sum(c["apply_requests"].values())),
                "%.2f s" % statistics.median(c["destroy_s"]),
                str(sum(c["destroy_requests"].values())),
                "yes" if c["zone_restored"] else "NO",
            ])
        p(table(rows, ["names", "records", "apply", "apply req", "destroy", "destroy req", "zone as before"]))
        p("")
    version, cases = next(iter(results.items()))
    n, largest = list(cases.items())[-1]
    p("Requests by operation, %d names, Terraform %s:" % (n, version))
    ops = sorted(set(largest["apply_requests"]) | set(largest["destroy_requests"]))
    rows = [[op, str(largest["apply_requests"].get(op, 0)), str(largest["destroy_requests"].get(op, 0))] for op in ops]
    p(table(rows, ["operation", "apply", "destroy"]))
    p("")
    p("Per-name growth (apply requests - 1-name apply requests) / (names - 1):")
    for version, cases in results.items():
        items = list(cases.items())
        base_n, base = items[0]
        growth = []
        for n, c in items[1:]:
            extra = sum(c["apply_requests"].values()) - sum(base["apply_requests"].values())
            growth.append("%d names: %+d requests (%.2f per extra name)" % (n, extra, extra / max(1, n - base_n)))
        p("  %s: %s" % (version, "; ".join(growth) or "n/a"))
    return "\n".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--names", default="1,10,50", help="comma-separated name counts (default 1,10,50)")
    parser.add_argument("--reps", type=int, default=3, help="runs per case (default 3)")
    parser.add_argument("--profile", choices=("release", "debug"), default="release")
    parser.add_argument("--no-build", action="store_true", help="use target/PROFILE as it is")
    parser.add_argument("--legacy", action="store_true", help="also run Terraform %s" % harness.TF_LEGACY)
    parser.add_argument("--wait", type=int, default=1, help="MOTO_ACM_VALIDATION_WAIT for moto (default 1)")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()
    counts = [int(x) for x in args.names.split(",") if x.strip()]
    versions = [harness.TF_LATEST] + ([harness.TF_LEGACY] if args.legacy else [])

    work = Path(tempfile.mkdtemp(prefix="nextstack-bench-acm-"))
    server = counter = None
    try:
        if args.no_build:
            binary = REPO_ROOT / "target" / args.profile / harness.PROVIDER_BINARY_NAME
        else:
            say("cargo build --%s -p %s (waits for cargo's lock if another build runs)" % (args.profile, harness.PROVIDER_PACKAGE))
            os.environ.pop("NEXTSTACK_PROVIDER_BINARY", None)
            binary = harness.build_provider(args.profile, live=True)
        if not binary.is_file():
            raise BenchError("no provider binary at %s" % binary)
        snapshot = work / "bin" / harness.PROVIDER_BINARY_NAME
        snapshot.parent.mkdir(parents=True)
        shutil.copy2(binary, snapshot)  # other people's builds may replace target/ while this runs

        patch_dir = work / "motopatch"
        patch_dir.mkdir()
        (patch_dir / "sitecustomize.py").write_text(SITECUSTOMIZE)
        say("starting moto (MOTO_ACM_VALIDATION_WAIT=%d, SAN limit 100) and the counting proxy" % args.wait)
        (work / "moto").mkdir()
        server = harness.MotoServer(
            env={"MOTO_ACM_VALIDATION_WAIT": str(args.wait), "PYTHONPATH": str(patch_dir)}, log_dir=work / "moto"
        ).start()
        url, counter = aws_proxy.start(server.endpoint)
        mirror = harness.make_mirror(snapshot, work / "mirror")
        env = harness.terraform_env(harness.write_cli_config(work / "terraformrc", mirror), url, harness.DEFAULT_REGION)

        meta = {
            "provider": args.profile,
            "host": "%s %s, %d cpu" % (platform.system(), platform.release(), os.cpu_count() or 0),
            "load": "%.2f" % os.getloadavg()[0],
        }
        results: dict = {}
        for version in versions:
            results[version] = {}
            for n in counts:
                runs = []
                for rep in range(args.reps):
                    say("Terraform %s, %d names, run %d/%d" % (version, n, rep + 1, args.reps))
                    runs.append(run_case(server, counter, env, version, n, rep, work))
                results[version][n] = summarize(runs)
        meta["load_end"] = "%.2f" % os.getloadavg()[0]
        print(report(meta, results, args.wait), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps({"meta": meta, "results": results}, indent=2) + "\n")
        return 0
    except (BenchError, harness.HarnessError, AssertionError) as exc:
        print("bench/acm/run.py: %s" % exc, file=sys.stderr)
        return 1
    finally:
        if counter is not None:
            counter.stop()
        if server is not None:
            server.stop()
        if args.keep:
            say("scratch directory kept: %s" % work)
        else:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
