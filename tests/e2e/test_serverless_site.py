"""The serverless layout serving a real Next.js app: examples/serverless/site applied against moto with a real
OpenNext build of tests/nextjs-app, served by nextstack-edge (CloudFront, the function URLs, S3 through origin
access control), and loaded in Debian's Chromium through Playwright.

The layout is applied once for the module (about a minute) and every test looks at the same running site.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import NamedTuple

import pytest

import harness
import nextjs_builds
from edge import EdgeServer

REGION = "eu-west-1"


class Site(NamedTuple):
    edge: EdgeServer
    tf: harness.Terraform
    outputs: dict
    build: Path
    moto: harness.MotoServer


def copy_layout(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*")
    shutil.copytree(harness.REPO_ROOT / "modules", dest / "modules", ignore=ignore)
    shutil.copytree(harness.REPO_ROOT / "examples" / "serverless", dest / "examples" / "serverless", ignore=ignore)
    return dest / "examples" / "serverless" / "site"


@pytest.fixture(scope="module")
def site(request, tmp_path_factory):
    moto = request.getfixturevalue("moto")
    moto.reset()
    mirror = request.getfixturevalue("provider_mirror")
    try:
        build = nextjs_builds.build("s1")
        edge_binary = harness.build_edge()
    except harness.HarnessError as exc:
        pytest.fail(str(exc), pytrace=False)
    tmp = tmp_path_factory.mktemp("serverless-site")
    example = copy_layout(tmp / "layout")
    env = harness.terraform_env(mirror.cli_config, moto.endpoint, REGION)
    env.update({"TF_VAR_build_dir": str(build), "TF_VAR_zip_dir": str(tmp / "zips"), "TF_VAR_wait_for_deployment": "false"})
    tf = harness.Terraform(harness.TF_LATEST, example, env)
    tf.init_ok()
    tf.apply_ok()
    outputs = tf.outputs()
    edge = EdgeServer(edge_binary, moto.endpoint, outputs["distribution_id"])
    try:
        edge.start()
    except harness.HarnessError as exc:
        tf.destroy_ok()
        pytest.fail(str(exc), pytrace=False)
    try:
        yield Site(edge, tf, outputs, build, moto)
    finally:
        edge.stop()
        tf.destroy_ok()


def test_home_page_through_the_edge(site):
    status, headers, body = site.edge.get("/")
    assert status == 200, (status, body[:500], site.edge.stderr()[-3000:])
    assert b"nextstack test app" in body
    assert headers["x-cache"] in ("Miss from cloudfront", "Hit from cloudfront")
