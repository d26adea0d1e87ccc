"""nextstack-lint's ecs-writable-scratch through the real CLI on the shipped six-stack layout (modules/ and
examples/six-stack/): the application module's default tmpfs mounts (/tmp and /app/.next/cache) pass; a copy of
the layout whose tmpfs_mounts default leaves out /app/.next/cache (the seed's EROFS incident: ISR under a read-only
root with nowhere to write its cache) gets exactly one error, naming the container, the missing path and where
the task definition's containers are written.
"""

import json
import re
import shutil
import subprocess

from nextstack_lab import harness, six_stack

RULE = "ecs-writable-scratch"
CACHE = "/app/.next/cache"


def lint(cwd, *args):
    proc = subprocess.run(
        [str(six_stack.lint_binary()), "--format", "json", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert proc.returncode in (0, 1), "nextstack-lint exited %d:\n%s" % (proc.returncode, proc.stderr)
    return proc.returncode, json.loads(proc.stdout)["findings"]


def container_definitions_line(main_tf):
    """The line of `container_definitions` in the module's `aws_ecs_task_definition` "app"."""
    text = main_tf.read_text()
    block = re.search(r'resource "aws_ecs_task_definition" "app" \{', text)
    assert block, "no aws_ecs_task_definition.app in %s" % main_tf
    attr = re.compile(r"^\s*container_definitions\s*=", re.M).search(text, block.end())
    assert attr, "no container_definitions in aws_ecs_task_definition.app of %s" % main_tf
    return text.count("\n", 0, attr.start()) + 1


def test_the_six_stack_layout_passes_and_loses_its_next_cache_mount_to_one_error(tmp_path):
    code, found = lint(harness.REPO_ROOT, "examples/six-stack")
    mine = [f for f in found if f["rule"] == RULE]
    assert mine == [], json.dumps(mine, indent=1)

    for d in ("modules", "examples"):
        shutil.copytree(harness.REPO_ROOT / d, tmp_path / d, ignore=shutil.ignore_patterns(".terraform", ".nextstack"))
    variables = tmp_path / "modules/application/variables.tf"
    text = variables.read_text()
    # The default map of tmpfs_mounts, and its .next/cache entry; the layout sets no tmpfs_mounts of its own.
    entry = re.compile(r'^\s*"%s"\s*=\s*\d+\s*\n' % re.escape(CACHE), re.M)
    assert len(entry.findall(text)) == 1, "tmpfs_mounts of %s has no single %s entry:\n%s" % (variables, CACHE, text)
    variables.write_text(entry.sub("", text))
    assert "tmpfs_mounts" not in (tmp_path / "examples/six-stack/application/main.tf").read_text()

    code, found = lint(tmp_path, "examples/six-stack")
    errors = [f for f in found if f["severity"] == "error"]
    assert code == 1 and len(errors) == 1 and errors[0]["rule"] == RULE, json.dumps(found, indent=1)
    e = errors[0]
    line = container_definitions_line(tmp_path / "modules/application/main.tf")
    assert (e["file"], e["line"]) == ("modules/application/main.tf", line), json.dumps(e, indent=1)
    assert "container `nextjs` has no writable mount for `%s`" % CACHE in e["message"], e["message"]
    assert "`/tmp`" not in e["message"], e["message"]
