"""Runs one ECS task to completion and fails unless its container exits 0: Django's migrations on deploy.

Invoked by Terraform (aws_lambda_invocation) or a pipeline. Starts the task definition named in the event (or
TASK_DEFINITION) on Fargate in the private subnets and security group it is configured with, overriding the
container's command (COMMAND, a JSON list, e.g. ["python", "manage.py", "migrate", "--noinput"]), waits for the
task to stop and raises when it did not exit 0, so the invocation (and the apply that made it) fails. The task runs
where the service's tasks run: the database stays reachable from ECS tasks only. boto3 ships with the runtime.
"""

from __future__ import annotations

import json
import os
import time

import boto3

POLL_SECONDS = float(os.environ.get("POLL_SECONDS", "5"))
# Stop waiting this long before Lambda's own timeout, so the failure says why.
MARGIN_MS = 10_000


class MigrationFailed(Exception):
    """The task could not start, did not stop in time, or its container did not exit 0."""


def settings(env=os.environ) -> dict:
    return {
        "cluster": env["CLUSTER"],
        "task_definition": env["TASK_DEFINITION"],
        "container": env["CONTAINER"],
        "command": json.loads(env["COMMAND"]),
        "subnets": json.loads(env["SUBNETS"]),
        "security_groups": json.loads(env["SECURITY_GROUPS"]),
        "assign_public_ip": env.get("ASSIGN_PUBLIC_IP", "DISABLED"),
    }


def start(ecs, cfg: dict, task_definition: str) -> str:
    """RunTask with the command override; returns the task ARN."""
    out = ecs.run_task(
        cluster=cfg["cluster"],
        taskDefinition=task_definition,
        launchType="FARGATE",
        count=1,
        startedBy="ecs-migration",
        networkConfiguration={
            "awsvpcConfiguration": {
                "subnets": cfg["subnets"],
                "securityGroups": cfg["security_groups"],
                "assignPublicIp": cfg["assign_public_ip"],
            }
        },
        overrides={"containerOverrides": [{"name": cfg["container"], "command": cfg["command"]}]},
    )
    if out.get("failures") or not out.get("tasks"):
        raise MigrationFailed("RunTask started no task: %s" % json.dumps(out.get("failures"), default=str))
    return out["tasks"][0]["taskArn"]


def outcome(task: dict, container: str) -> int:
    """The exit code of `container` in a STOPPED task; raises when there is none or it is not 0."""
    for c in task.get("containers", []):
        if c.get("name") == container:
            code = c.get("exitCode")
            if code is None:
                raise MigrationFailed(
                    "the task stopped without an exit code for %s: %s %s"
                    % (container, task.get("stopCode", ""), task.get("stoppedReason") or c.get("reason") or "")
                )
            if code != 0:
                raise MigrationFailed("%s exited %d (%s)" % (container, code, task.get("stoppedReason", "")))
            return code
    raise MigrationFailed("the stopped task has no container named %s" % container)


def wait(ecs, cluster: str, task_arn: str, container: str, remaining_ms, sleep=time.sleep) -> int:
    """Polls DescribeTasks until the task is STOPPED; returns the container's exit code (0) or raises."""
    while True:
        tasks = ecs.describe_tasks(cluster=cluster, tasks=[task_arn]).get("tasks", [])
        if not tasks:
            raise MigrationFailed("the task %s has disappeared" % task_arn)
        if tasks[0].get("lastStatus") == "STOPPED":
            return outcome(tasks[0], container)
        if remaining_ms() < MARGIN_MS + POLL_SECONDS * 1000:
            raise MigrationFailed("the task %s has not stopped in time (still %s)" % (task_arn, tasks[0].get("lastStatus")))
        sleep(POLL_SECONDS)


def handler(event, context, ecs=None):
    cfg = settings()
    ecs = ecs or boto3.client("ecs")
    task_definition = (event or {}).get("task_definition") or cfg["task_definition"]
    task_arn = start(ecs, cfg, task_definition)
    print(json.dumps({"msg": "migration task started", "task": task_arn, "command": cfg["command"]}))
    code = wait(ecs, cfg["cluster"], task_arn, cfg["container"], context.get_remaining_time_in_millis)
    print(json.dumps({"msg": "migration task exited", "task": task_arn, "exit_code": code}))
    return {"task_arn": task_arn, "exit_code": code}
