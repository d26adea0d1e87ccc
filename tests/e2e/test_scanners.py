"""checkov, the Terraform security scanner platform teams run in CI, over modules/ and examples/ through its real CLI.

    checkov 3.3.30      from PyPI, every package pinned (tests/checkov-requirements.txt), in .tools/checkov-venv
                        (tests/toolchain.sh installs it; a missing checkov fails these tests, never skips them)
    --framework terraform --download-external-modules false --skip-download
                        every module call in this repository has a local source, which checkov resolves anyway;
                        nothing is fetched (no registry modules, no Prisma Cloud metadata: results carry no
                        guideline links, the check's name and class say what it wants)
    modules/            each module alone, its variables at their defaults (what a user gets by default)
    examples/           every layout's root configurations with the modules they call resolved: the same module
                        resources evaluated with the inputs a layout really passes

A finding is either fixed or skipped next to its resource with checkov's inline form,
`#checkov:skip=CKV_AWS_xx:why it is safe here or what the module offers instead`. The tests below fail on any
failed check, on a skip without a real reason, on a skip comment checkov did not honour (misplaced, mistyped) and on
a skip that suppresses nothing (the check would pass without it). docs/security.md lists every skip and the figures;
the tests fail on a skip missing from its table and on an "after" figure that is not checkov's count.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import NamedTuple

import pytest

from nextstack_lab import harness

CHECKOV = harness.TOOLS_DIR / "checkov-venv" / "bin" / "checkov"
CHECKOV_VERSION = "3.3.30"
SCANNED = ("modules", "examples")
# One checkov run over examples/ takes about 12 s on an idle machine, over modules/ about 10 s.
CHECKOV_TIMEOUT = 300

# `#checkov:skip=CKV_AWS_117:reason` (also `# checkov:skip=...`); checkov honours it inside the resource's block.
SKIP_COMMENT = re.compile(r"#\s*checkov:skip=([A-Z0-9_]+)(?::(.*))?$")
# Reasons that explain nothing. A reason says why the finding is safe here or what the module offers instead.
BOILERPLATE = re.compile(
    r"^(false positive|not (needed|required|applicable|relevant)|n/?a|by design|intended|intentional|ignore[d]?|"
    r"skip(ped)?|todo|tbd|fixme|wontfix|won't fix|accepted( risk)?|known|later|see docs?)\W*$",
    re.IGNORECASE,
)
MIN_REASON_WORDS = 6


class Finding(NamedTuple):
    check_id: str
    resource: str  # as checkov names it, e.g. module.api.aws_lambda_function.this["contact"]
    file: str  # relative to the scanned tree's root, e.g. modules/api/main.tf
    line: int
    name: str  # the check's title
    check_class: str
    guideline: str | None
    reason: str | None  # a skip's reason (check_result.suppress_comment)

    @property
    def local_resource(self) -> str:
        """The resource as written in its file: no module path, no count/for_each key."""
        return re.sub(r"\[[^\]]*\]", "", re.sub(r"^(module\.[^.]+(\[[^\]]*\])?\.)+", "", self.resource))

    def describe(self) -> str:
        about = self.guideline or "%s (%s)" % (self.name, self.check_class)
        return "%s %s %s:%d\n      %s" % (self.check_id, self.resource, self.file, self.line, about)


class Scan(NamedTuple):
    directory: str
    summary: dict
    failed: list[Finding]
    skipped: list[Finding]
    passed: list[Finding]


def _checkov_env() -> dict:
    """The environment without checkov's own settings (CKV_*, BC_*, PRISMA_*), so a user's shell cannot change what
    the test measures."""
    return {k: v for k, v in os.environ.items() if not k.startswith(("CKV_", "BC_", "PRISMA_", "CHECKOV_"))}


def _run_checkov(tree: Path, directory: str, config: Path) -> Scan:
    cmd = [
        str(CHECKOV),
        "--config-file", str(config),
        "--directory", directory,
        "--framework", "terraform",
        "--download-external-modules", "false",
        "--skip-download",
        "--output", "json",
    ]
    try:
        proc = subprocess.run(
            cmd, cwd=tree, env=_checkov_env(), capture_output=True, text=True, timeout=CHECKOV_TIMEOUT, check=False
        )
    except subprocess.TimeoutExpired:
        pytest.fail("checkov over %s/%s took more than %d s" % (tree, directory, CHECKOV_TIMEOUT), pytrace=False)
    # checkov exits 1 when a check failed, 0 when none did; anything else is a crash or a usage error.
    if proc.returncode not in (0, 1):
        pytest.fail(
            "%s exited %d:\n%s\n%s" % (" ".join(cmd), proc.returncode, proc.stdout[-3000:], proc.stderr[-3000:]),
            pytrace=False,
        )
    try:
        report = json.loads(proc.stdout)
    except json.JSONDecodeError as exc:
        pytest.fail("checkov printed no JSON report (%s):\n%s" % (exc, proc.stderr[-3000:]), pytrace=False)
    if isinstance(report, list):  # one report per framework when several ran
        report = next((r for r in report if r.get("check_type") == "terraform"), {})
    if "results" not in report:
        pytest.fail("checkov found no Terraform under %s/%s: %r" % (tree, directory, report), pytrace=False)

    def findings(kind: str) -> list[Finding]:
        return [
            Finding(
                check_id=r["check_id"],
                resource=r["resource"],
                file=os.path.relpath(os.path.normpath(r["file_abs_path"]), tree),
                line=r["file_line_range"][0],
                name=r["check_name"],
                check_class=r.get("check_class") or "",
                guideline=r.get("guideline"),
                reason=(r.get("check_result") or {}).get("suppress_comment"),
            )
            for r in report["results"].get(kind, [])
        ]

    scan = Scan(
        directory, report["summary"], findings("failed_checks"), findings("skipped_checks"), findings("passed_checks")
    )
    if proc.returncode != (1 if scan.failed else 0):
        pytest.fail("checkov exited %d with %d failed checks" % (proc.returncode, len(scan.failed)), pytrace=False)
    return scan


def _strip_skips(src: Path, dst: Path) -> None:
    """A copy of modules/ and examples/ without the inline skip comments (Terraform files only; .terraform/ left)."""
    for directory in SCANNED:
        shutil.copytree(src / directory, dst / directory, ignore=shutil.ignore_patterns(".terraform", "*.tfstate*"))
    for path in dst.rglob("*.tf"):
        text = path.read_text()
        stripped = "\n".join(line for line in text.split("\n") if not SKIP_COMMENT.search(line.strip()))
        if stripped != text:
            path.write_text(stripped)


class Scans(NamedTuple):
    tree: dict[str, Scan]  # the repository as it is
    unskipped: dict[str, Scan]  # the same without the skip comments: what the skips suppress


@pytest.fixture(scope="module")
def scans(tmp_path_factory) -> Scans:
    if not CHECKOV.is_file():
        pytest.fail(
            "%s is missing: run tests/toolchain.sh (it installs checkov %s)" % (CHECKOV, CHECKOV_VERSION), pytrace=False
        )
    version = subprocess.run([str(CHECKOV), "--version"], capture_output=True, text=True, check=False).stdout.strip()
    if version != CHECKOV_VERSION:
        pytest.fail(
            "%s is checkov %r, not the pinned %s: run tests/toolchain.sh" % (CHECKOV, version, CHECKOV_VERSION),
            pytrace=False,
        )
    work = tmp_path_factory.mktemp("checkov")
    config = work / "checkov.yaml"  # an explicit, neutral config: no .checkov.yaml of the user's is read
    config.write_text("compact: true\n")
    unskipped_tree = work / "unskipped"
    _strip_skips(harness.REPO_ROOT, unskipped_tree)
    jobs = [(harness.REPO_ROOT, d) for d in SCANNED] + [(unskipped_tree, d) for d in SCANNED]
    # Two at a time: checkov is CPU-bound and the machine has two cores.
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda job: _run_checkov(job[0], job[1], config), jobs))
    n = len(SCANNED)
    return Scans(dict(zip(SCANNED, results[:n])), dict(zip(SCANNED, results[n:])))


def _repro(directory: str) -> str:
    return (
        "reproduce: .tools/checkov-venv/bin/checkov -d %s --framework terraform --download-external-modules false "
        "--skip-download --compact" % directory
    )


@pytest.mark.parametrize("directory", SCANNED)
def test_checkov_finds_nothing_unexplained(scans, directory):
    scan = scans.tree[directory]
    assert scan.summary["parsing_errors"] == 0, "checkov could not parse some files under %s/" % directory
    failed = sorted(set(scan.failed), key=lambda f: (f.file, f.line, f.check_id, f.resource))
    assert not failed, (
        "checkov: %d failed checks under %s/ (fix them, or skip each next to its resource with "
        "`#checkov:skip=ID:why it is safe here`):\n  %s\n%s"
        % (len(failed), directory, "\n  ".join(f.describe() for f in failed), _repro(directory))
    )


@pytest.mark.parametrize("directory", SCANNED)
def test_checkov_scanned_every_configuration(scans, directory):
    """Each module and each example root holding resources shows up in the report: nothing was left unparsed."""
    scan = scans.tree[directory]
    seen = {Path(f.file).parent for f in scan.passed + scan.failed + scan.skipped}
    roots = {
        p.parent.relative_to(harness.REPO_ROOT)
        for p in (harness.REPO_ROOT / directory).rglob("*.tf")
        if ".terraform" not in p.parts and re.search(r'^resource "aws_', p.read_text(), re.MULTILINE)
    }
    assert roots, "no Terraform resources found under %s/" % directory
    assert roots <= seen, "checkov reported nothing for %s" % sorted(str(r) for r in roots - seen)


def test_every_skip_has_a_reason(scans):
    skipped = {f for scan in scans.tree.values() for f in scan.skipped}
    bad = []
    reasons: dict[str, set[str]] = {}
    for f in sorted(skipped):
        reason = (f.reason or "").strip()
        if not reason or BOILERPLATE.match(reason) or len(reason.split()) < MIN_REASON_WORDS:
            bad.append("%s %s %s:%d: reason %r" % (f.check_id, f.resource, f.file, f.line, reason))
        if re.search(r"\b(TODO|FIXME|TBD|XXX)\b", reason):
            bad.append("%s %s %s:%d: reason is a to-do: %r" % (f.check_id, f.resource, f.file, f.line, reason))
        reasons.setdefault(reason, set()).add(f.check_id)
    # One text pasted under several different checks explains none of them.
    for reason, ids in sorted(reasons.items()):
        if len(ids) > 1 and reason:
            bad.append("the same reason for %s: %r" % (", ".join(sorted(ids)), reason))
    assert not bad, "skips without a real reason (say why it is safe here, or what the module offers instead):\n  " + (
        "\n  ".join(bad)
    )


def test_every_skip_comment_is_honoured(scans):
    """A `#checkov:skip` comment that checkov did not apply (outside the resource's block, a mistyped check id, a check
    that does not apply to that resource type) is a reason nobody reads: each must match a skipped result."""
    honoured = {(f.file, f.check_id) for scan in scans.tree.values() for f in scan.skipped}
    stray = []
    for directory in SCANNED:
        for path in sorted((harness.REPO_ROOT / directory).rglob("*.tf")):
            if ".terraform" in path.parts:
                continue
            rel = str(path.relative_to(harness.REPO_ROOT))
            for number, line in enumerate(path.read_text().split("\n"), start=1):
                m = SKIP_COMMENT.search(line.strip())
                if m and (rel, m.group(1)) not in honoured:
                    stray.append("%s:%d: %s" % (rel, number, line.strip()))
    assert not stray, "skip comments checkov did not apply (move them inside the resource's block):\n  " + (
        "\n  ".join(stray)
    )


def test_every_skip_suppresses_a_failing_check(scans):
    """Without its skip comments the tree fails exactly the checks that are skipped: a skip whose check would pass is
    stale (the weakness was fixed) and must go, and nothing else fails."""

    def key(f: Finding):
        return (f.check_id, f.file, f.local_resource)

    skipped = {key(f) for scan in scans.tree.values() for f in scan.skipped}
    failing = {key(f) for scan in scans.unskipped.values() for f in scan.failed}
    stale = sorted(skipped - failing)
    assert not stale, "skips of checks that pass without them (remove the comment):\n  " + "\n  ".join(
        "%s %s %s" % k for k in stale
    )


def test_security_doc_lists_every_skip(scans):
    """docs/security.md's table of skipped checks has a row per skip: check id, resource and file on one line."""
    doc = (harness.REPO_ROOT / "docs" / "security.md").read_text().split("\n")
    rows = [line for line in doc if line.startswith("|")]
    skipped = sorted({(f.check_id, f.local_resource, f.file) for scan in scans.tree.values() for f in scan.skipped})
    missing = [
        "%s %s %s" % k
        for k in skipped
        if not any(k[0] in row and "`%s`" % k[1] in row and "`%s`" % k[2] in row for row in rows)
    ]
    assert not missing, "skips missing from docs/security.md's table (check id, `resource`, `file`):\n  " + (
        "\n  ".join(missing)
    )


# docs/security.md §Figures: one table row per scan, `| after, `modules/` | resources | checks run | passed |
# failed | skipped with reason | check ids failed or skipped |`; the "after" rows are the tree as it is.
FIGURE_COLUMNS = ("resources", "checks run", "passed", "failed", "skipped with reason", "check ids failed or skipped")
FIGURE_ROW = re.compile(r"^\|\s*after,\s*`(?P<directory>[^`/]+)/?`\s*\|(?P<cells>.*)\|\s*$")


def _doc_figures() -> dict[str, dict[str, int]]:
    """directory => column => the number docs/security.md's §Figures gives for the tree as it is."""
    text = (harness.REPO_ROOT / "docs" / "security.md").read_text()
    section = re.search(r"(?ms)^## Figures\n(.*?)(?=^## |\Z)", text)
    assert section, "docs/security.md has no `## Figures` section"
    figures = {}
    for line in section.group(1).split("\n"):
        m = FIGURE_ROW.match(line.strip())
        if m:
            cells = [c.strip() for c in m.group("cells").split("|")]
            assert len(cells) == len(FIGURE_COLUMNS) and all(c.isdigit() for c in cells), (
                "docs/security.md §Figures: row %r should have %d numbers (%s)"
                % (line, len(FIGURE_COLUMNS), ", ".join(FIGURE_COLUMNS)))
            figures[m.group("directory")] = dict(zip(FIGURE_COLUMNS, map(int, cells)))
    return figures


def _figures(scan: Scan) -> dict[str, int]:
    s = scan.summary
    return dict(zip(FIGURE_COLUMNS, (
        s["resource_count"], s["passed"] + s["failed"] + s["skipped"], s["passed"], s["failed"], s["skipped"],
        len({f.check_id for f in scan.failed + scan.skipped}),
    )))


def test_figures(scans, capsys):
    """docs/security.md's "after" figures are checkov's on the tree as it is (checks run, passed, failed, skipped,
    resources, check ids), per directory; the test prints them (pytest -s), and those of the tree without its skips."""
    for label, group in (("with the skips", scans.tree), ("without the skips", scans.unskipped)):
        for directory, scan in group.items():
            figures = _figures(scan)
            assert figures["passed"] > 0 and figures["resources"] > 0, "checkov ran no check over %s/" % directory
            with capsys.disabled():
                counts = ", ".join("%d %s" % (v, k) for k, v in figures.items())
                print("\ncheckov %s %s/: %s" % (label, directory, counts))
    documented = _doc_figures()
    assert set(documented) == set(SCANNED), (
        "docs/security.md §Figures should have an `| after, `DIR/` | ...` row for each of %s, has %s"
        % (", ".join(SCANNED), ", ".join(sorted(documented)) or "none"))
    stale = [
        "row `after, %s/`, column %r: the doc says %d, checkov counts %d"
        % (directory, column, documented[directory][column], value)
        for directory in SCANNED
        for column, value in _figures(scans.tree[directory]).items()
        if documented[directory][column] != value
    ]
    assert not stale, (
        "docs/security.md §Figures is out of date; update these numbers (and any text that quotes them):\n  "
        + "\n  ".join(stale))
