#!/usr/bin/env python3
"""Six-stack benchmark: prints figures, asserts nothing (it stops only if a measurement could not be made).

    bench/six-stack/run.py [--json FILE] [--keep]

Runs itself with .tools/venv/bin/python. Against the (patched) moto server, through
tests/lab/nextstack_lab/aws_proxy.py (a reverse proxy that counts every AWS request the providers make), with Terraform 1.15.5:
  1. each stack of examples/six-stack applied alone, in the order nextstack-lint derives: wall time and requests;
  2. a no-change `terraform plan` of each stack: wall time and requests;
  3. the same resources as ONE root module (bench/six-stack/mono: the six module calls; the six states moved into
     one with `terraform state mv`): a no-change plan, side by side with the six plans and with the plan of the
     application stack alone (the stack that changes daily): what the split saves on every change.
"""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import bench_env  # noqa: E402

REPO_ROOT = bench_env.enter(__file__)

import argparse  # noqa: E402
import json  # noqa: E402
import platform  # noqa: E402
import shutil  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from nextstack_lab import aws_proxy, harness, six_stack  # noqa: E402
from nextstack_lab.layout import copy_layout  # noqa: E402


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


def measure(counter, tf, *args) -> dict:
    """Wall time and AWS requests of one Terraform command (which must succeed; plan exit 2 is reported)."""
    counter.reset()
    started = time.monotonic()
    result = tf.run(*args)
    wall = time.monotonic() - started
    if result.rc not in (0, 2):
        raise SystemExit("terraform %s failed in %s:\n%s" % (" ".join(args), tf.workdir, result.stdout[-3000:] + result.stderr[-3000:]))
    return {"seconds": round(wall, 2), "requests": counter.total(), "errors": counter.errors(), "exit": result.rc,
            "by_operation": counter.snapshot()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="nextstack-bench-six-"))
    say("scratch: %s" % work)
    provider = harness.build_provider()
    mirror = harness.make_mirror(provider, work / "mirror")
    cli_config = harness.write_cli_config(work / "terraformrc", mirror)
    layout = work / "layout"
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*", "run.sh")
    copy_layout("six-stack", layout, exclude=("run.sh",))
    mono_dir = layout / "bench" / "six-stack" / "mono"
    shutil.copytree(REPO_ROOT / "bench" / "six-stack" / "mono", mono_dir, ignore=ignore)
    shutil.copytree(layout / "examples" / "six-stack" / "api" / "functions", mono_dir / "functions")
    stages = six_stack.deploy_stages(layout / "examples" / "six-stack")
    order = [d for stage in stages for d in stage]

    figures = {"machine": "%s, %s, Python %s" % (platform.machine(), platform.platform(), platform.python_version()),
               "terraform": harness.TF_LATEST, "order": [d.name for d in order], "stacks": {}}
    with harness.MotoServer(log_dir=work) as moto:
        url, counter = aws_proxy.start(moto.endpoint)
        try:
            zone_id = six_stack.create_dns_zone(moto)
            edge_env = {"TF_VAR_domain_name": six_stack.DOMAIN, "TF_VAR_hosted_zone_id": zone_id,
                        "TF_VAR_dns_role_arn": six_stack.DNS_ROLE}

            def terraform(d, region, extra=None):
                env = harness.terraform_env(cli_config, url, region)
                env.update(extra or {})
                return harness.Terraform(harness.TF_LATEST, d, env)

            stacks = {}
            for d in order:
                edge = d.name == "edge"
                tf = terraform(d, six_stack.EDGE_REGION if edge else six_stack.ORIGIN_REGION, edge_env if edge else None)
                tf.init_ok()
                say("apply %s" % d.name)
                figures["stacks"][d.name] = {"apply": measure(counter, tf, "apply", "-input=false", "-no-color", "-auto-approve")}
                stacks[d.name] = tf
            for d in order:
                say("no-change plan %s" % d.name)
                figures["stacks"][d.name]["plan"] = measure(counter, stacks[d.name], "plan", "-input=false", "-no-color", "-detailed-exitcode")

            mono = terraform(mono_dir, six_stack.ORIGIN_REGION, edge_env)
            mono.init_ok()
            for d in order:
                mono.check(mono.run("state", "mv", "-state=%s" % (d / "terraform.tfstate"),
                                    "-state-out=%s" % (mono_dir / "terraform.tfstate"), "module.%s" % d.name, "module.%s" % d.name))
            say("no-change plan of the six stacks as one root module")
            figures["one_root_module"] = {"plan": measure(counter, mono, "plan", "-input=false", "-no-color", "-detailed-exitcode")}
            figures["one_root_module"]["resources"] = sum(1 for _ in mono.resources())
        finally:
            counter.stop()

    rows = []
    for name in figures["order"]:
        s = figures["stacks"][name]
        rows.append([name, "%.1f s" % s["apply"]["seconds"], s["apply"]["requests"], "%.1f s" % s["plan"]["seconds"],
                     s["plan"]["requests"], "empty" if s["plan"]["exit"] == 0 else "CHANGES"])
    six_plan_s = sum(figures["stacks"][n]["plan"]["seconds"] for n in figures["order"])
    six_plan_r = sum(figures["stacks"][n]["plan"]["requests"] for n in figures["order"])
    rows.append(["all six", "%.1f s" % sum(figures["stacks"][n]["apply"]["seconds"] for n in figures["order"]),
                 sum(figures["stacks"][n]["apply"]["requests"] for n in figures["order"]), "%.1f s" % six_plan_s, six_plan_r, ""])
    mono_plan = figures["one_root_module"]["plan"]
    app_plan = figures["stacks"]["application"]["plan"]
    print("\nsix-stack benchmark: Terraform %s, hashicorp/aws %s, moto through a counting proxy; %s" % (
        harness.TF_LATEST, harness.AWS_PROVIDER_VERSION, figures["machine"]))
    print("deploy order (nextstack-lint graph): %s\n" % " -> ".join(figures["order"]))
    print(table(rows, ["stack", "apply", "apply requests", "no-change plan", "plan requests", "second plan"]))
    print("\nno-change plan, side by side:")
    print(table([
        ["application stack alone (the daily change)", "%.1f s" % app_plan["seconds"], app_plan["requests"], "1.0x"],
        ["the six stacks, one after the other", "%.1f s" % six_plan_s, six_plan_r, "%.1fx" % (six_plan_s / app_plan["seconds"])],
        ["one root module with all six (%d resources in state)" % figures["one_root_module"]["resources"],
         "%.1f s" % mono_plan["seconds"], mono_plan["requests"], "%.1fx" % (mono_plan["seconds"] / app_plan["seconds"])],
    ], ["plan", "wall", "AWS requests", "time vs application alone"]))
    print("  one root module's plan: %s" % ("no changes" if mono_plan["exit"] == 0 else "shows changes (exit 2)"))
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1))
    if args.keep:
        say("kept %s" % work)
    else:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
