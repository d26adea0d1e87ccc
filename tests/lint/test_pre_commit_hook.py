"""The repository's .pre-commit-hooks.yaml, used by real pre-commit from another repository."""

import os
import subprocess
from pathlib import Path

from nextstack_lab import harness

GOOD = """
data "nextstack_ssm_parameters" "edge" {
  names = ["/app/data/bucket"]
}
"""

PUBLISHER = """
resource "nextstack_ssm_parameters" "data" {
  path_prefix = "/app/data/"
  values      = { bucket = "assets" }
}
"""

CROSS_STACK = """
data "terraform_remote_state" "network" {
  backend = "s3"
  config  = { bucket = "state", key = "network.tfstate", region = "eu-west-1" }
}
"""


def git(repo, *args):
    subprocess.run(["git", "-c", "user.email=t@example.com", "-c", "user.name=t", *args], cwd=repo, check=True, capture_output=True)


def run_hook(repo: Path, bin_dir: Path, home: Path, all_files: bool = True):
    env = dict(os.environ, PATH="%s:%s" % (bin_dir, os.environ["PATH"]), PRE_COMMIT_HOME=str(home), NO_COLOR="1")
    pre_commit = harness.venv_tool("pre-commit")
    return subprocess.run(
        [str(pre_commit), "try-repo", str(harness.REPO_ROOT), "nextstack-lint"] + (["--all-files"] if all_files else []),
        cwd=repo,
        env=env,
        capture_output=True,
        text=True,
    )


def linter_on_path(tmp_path) -> Path:
    """A directory holding only a freshly built nextstack-lint, to put first on PATH (language: system)."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    (bin_dir / "nextstack-lint").symlink_to(harness.build_lint())
    return bin_dir


def test_hook_passes_clean_stacks_and_fails_a_cross_stack_export(tmp_path):
    bin_dir = linter_on_path(tmp_path)
    repo = tmp_path / "infra"
    (repo / "stacks" / "data").mkdir(parents=True)
    (repo / "stacks" / "edge").mkdir(parents=True)
    (repo / "stacks" / "data" / "main.tf").write_text(PUBLISHER)
    (repo / "stacks" / "edge" / "main.tf").write_text(GOOD)
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "stacks")

    ok = run_hook(repo, bin_dir, tmp_path / "pre-commit-home")
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "nextstack-lint" in ok.stdout and "Passed" in ok.stdout, ok.stdout

    (repo / "stacks" / "edge" / "network.tf").write_text(CROSS_STACK)
    git(repo, "add", ".")
    bad = run_hook(repo, bin_dir, tmp_path / "pre-commit-home")
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "Failed" in bad.stdout
    assert "no-cross-stack-exports" in bad.stdout, bad.stdout
    assert "stacks/edge/network.tf" in bad.stdout, bad.stdout


TASK = """
resource "aws_ecs_task_definition" "web" {
  family                = "web"
  container_definitions = file("${path.module}/containers.json")
}
"""


def containers(read_only: bool) -> str:
    return '[{"name": "web", "image": "web:1", "readonlyRootFilesystem": %s}]' % ("true" if read_only else "false")


def test_hook_runs_when_only_a_file_read_by_terraform_changes(tmp_path):
    bin_dir = linter_on_path(tmp_path)
    repo = tmp_path / "infra"
    (repo / "compute").mkdir(parents=True)
    (repo / "compute" / "main.tf").write_text(TASK)
    (repo / "compute" / "containers.json").write_text(containers(read_only=True))
    git(repo, "init", "-q")
    git(repo, "add", ".")
    git(repo, "commit", "-qm", "compute")

    # Only the JSON that file() reads is staged: the hook must still run, and fail.
    (repo / "compute" / "containers.json").write_text(containers(read_only=False))
    git(repo, "add", "compute/containers.json")
    bad = run_hook(repo, bin_dir, tmp_path / "pre-commit-home", all_files=False)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert "ecs-read-only-root-filesystem" in bad.stdout, bad.stdout
