"""Seed 002's layout (examples/lambda-django-rds/app over modules/vpc, postgres, app-secrets, fargate-service,
ecs-migration and nextjs-serverless) applied for real with a real OpenNext build of tests/nextjs-app: Terraform
1.15.5, the built nextstack provider, the real hashicorp/aws provider, the (patched, see moto_patches.py) moto server
with the domain's hosted zone in a second account.

    test_migration_function_runs_the_task_and_fails_without_exit_0
        the migration function's code (modules/ecs-migration/functions/run-task/index.py) against moto through
        boto3: RunTask of the task definition on Fargate in the given subnets and security group with the command
        override, DescribeTasks polled until the task stops; a task not stopped by the deadline fails the run; the
        container's exit code decides (0 passes; 1, none, or no such container fails).
    test_lambda_django_rds_end_to_end
        bad input (a CIDR block as database ingress, a parameter ARN as a Next.js secret) refused at plan naming
        the variable, nothing created; applied; what the seed promises checked through boto3 (the VPC's default
        security group without rules; the database in the isolated subnets, private, encrypted, reachable from
        the Django tasks' security group only, its master secret managed by RDS; the Django container's secrets
        from that secret and the app's, never plain; the Next.js server in the private subnets with
        <NAME>_SECRET_ARN variables and a grant on exactly those ARNs; the warm count; the migration function, least privilege, invoked on deploy); secret values put outside
        Terraform cause no change and are not in the state; a second plan is empty; the migration task run through
        nextstack-edge migrates a real PostgreSQL standing for the instance; the layout served by nextstack-edge
        and shown in Chromium: the Next.js page through the distribution, the Django API through its ALB reading
        and writing that PostgreSQL; destroyed, leaving nothing.

moto runs Lambda code in Docker unless told otherwise, and Docker is not here: the end-to-end test sets moto's
`lambda.use_docker = false` (POST /moto-api/config), so an invoke answers without running the code (moto's
"simple" Lambda backend echoes the payload). The apply's aws_lambda_invocation is real; the code it would run is
shown by the first test. Fargate runs no containers in moto; after the apply the migration task the function asks
for (its TASK_DEFINITION, CONTAINER and COMMAND) is run by `nextstack-edge run-task`: the Django program of
tests/django-app with the task definition's environment and secrets, migrating a real PostgreSQL (nextstack_lab.postgres)
that stands for the RDS instance and is reached by the instance's endpoint name and port (`--endpoint-map`). Then
`nextstack-edge serve` runs the layout: the distribution (the OpenNext functions run by the edge, the assets from
the bucket), the Django ALB's listeners, and the Django service's task from its task definition (gunicorn on
0.0.0.0:8000 in the task's own network namespace, as awsvpc gives each task its own network interface, registered
in the target group at the task's address), against the same PostgreSQL; Chromium loads both origins.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import time
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from nextstack_lab import django_app, harness, six_stack, static_fargate_site
from nextstack_lab.edge import EdgeServer
from nextstack_lab.postgres import PostgresServer

REGION = "eu-west-1"
ENV = "dev"
DOMAIN = six_stack.DOMAIN
EXAMPLE = harness.REPO_ROOT / "examples" / "lambda-django-rds"
FUNCTION = harness.REPO_ROOT / "modules" / "ecs-migration" / "functions" / "run-task" / "index.py"
MIGRATE = ["python", "manage.py", "migrate", "--noinput"]
WARM = 3
SERVER_ENV = {
    "CACHE_BUCKET_NAME", "CACHE_BUCKET_KEY_PREFIX", "CACHE_BUCKET_REGION", "REVALIDATION_QUEUE_URL",
    "REVALIDATION_QUEUE_REGION", "CACHE_DYNAMO_TABLE", "NODE_ENV",
}


def as_list(v):
    return v if isinstance(v, list) else [v]


def statements(aws, role):
    """Every statement of the role's inline policies; the role has no managed policy."""
    iam = aws.client("iam", REGION)
    assert iam.list_attached_role_policies(RoleName=role)["AttachedPolicies"] == [], role
    out = []
    for name in iam.list_role_policies(RoleName=role)["PolicyNames"]:
        doc = iam.get_role_policy(RoleName=role, PolicyName=name)["PolicyDocument"]
        out += (json.loads(doc) if isinstance(doc, str) else doc)["Statement"]
    return out


def by_sid(aws, role):
    return {s["Sid"]: s for s in statements(aws, role)}


def sg_rules(aws, group):
    rules = aws.client("ec2", REGION).describe_security_group_rules(Filters=[{"Name": "group-id", "Values": [group]}])
    peer = lambda r: (r.get("ReferencedGroupInfo") or {}).get("GroupId") or r.get("CidrIpv4") or r.get("CidrIpv6")  # noqa: E731
    return sorted((r["IsEgress"], r["IpProtocol"], r["FromPort"], r["ToPort"], peer(r)) for r in rules["SecurityGroupRules"])


# ------------------------------------------------------------------------------------------------ the function


def load_function():
    spec = importlib.util.spec_from_file_location("run_task", FUNCTION)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_migration_function_runs_the_task_and_fails_without_exit_0(aws, monkeypatch):
    run_task = load_function()
    ec2, ecs = aws.client("ec2", REGION), aws.client("ecs", REGION)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    # As modules/vpc does (moto's RunTask also needs it: it names the task's interface by its private DNS name).
    ec2.modify_vpc_attribute(VpcId=vpc, EnableDnsHostnames={"Value": True})
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.9.1.0/24")["Subnet"]["SubnetId"]
    group = ec2.create_security_group(VpcId=vpc, GroupName="tasks", Description="tasks")["GroupId"]
    cluster = ecs.create_cluster(clusterName="shop")["cluster"]["clusterArn"]
    taskdef = ecs.register_task_definition(
        family="shop-django", networkMode="awsvpc", requiresCompatibilities=["FARGATE"], cpu="256", memory="512",
        containerDefinitions=[{"name": "django", "image": "django:latest", "command": ["gunicorn", "config.wsgi"]}],
    )["taskDefinition"]["taskDefinitionArn"]
    for key, value in {
        "CLUSTER": cluster, "TASK_DEFINITION": taskdef, "CONTAINER": "django", "COMMAND": json.dumps(MIGRATE),
        "SUBNETS": json.dumps([subnet]), "SECURITY_GROUPS": json.dumps([group]), "ASSIGN_PUBLIC_IP": "DISABLED",
    }.items():
        monkeypatch.setenv(key, value)
    cfg = run_task.settings()
    assert cfg["command"] == MIGRATE and cfg["subnets"] == [subnet]

    # RunTask: Fargate, the private network, the command override for the one container.
    arn = run_task.start(ecs, cfg, taskdef)
    (task,) = ecs.describe_tasks(cluster=cluster, tasks=[arn])["tasks"]
    assert task["taskDefinitionArn"] == taskdef and task["launchType"] == "FARGATE"
    assert task["overrides"]["containerOverrides"] == [{"name": "django", "command": MIGRATE}]
    assert task["startedBy"] == "ecs-migration"

    # The task runs, then stops (moto reports exit code 0 for its container): the run passes with that code.
    polls = []

    def stop_it(_seconds):
        polls.append(1)
        ecs.stop_task(cluster=cluster, task=arn, reason="Essential container in task exited")

    assert run_task.wait(ecs, cluster, arn, "django", remaining_ms=lambda: 600_000, sleep=stop_it) == 0
    assert polls == [1]

    # Not stopped before the deadline: fails rather than letting Lambda time out silently.
    second = run_task.start(ecs, cfg, taskdef)
    with pytest.raises(run_task.MigrationFailed, match="has not stopped in time"):
        run_task.wait(ecs, cluster, second, "django", remaining_ms=lambda: 1_000, sleep=stop_it)

    # The exit code of the named container decides, as DescribeTasks reports it for a stopped Fargate task.
    stopped = lambda code: {"lastStatus": "STOPPED", "stoppedReason": "Essential container in task exited",  # noqa: E731
                            "containers": [{"name": "sidecar", "exitCode": 0}, {"name": "django", "exitCode": code}]}
    assert run_task.outcome(stopped(0), "django") == 0
    with pytest.raises(run_task.MigrationFailed, match="django exited 1"):
        run_task.outcome(stopped(1), "django")
    with pytest.raises(run_task.MigrationFailed, match="no container named web"):
        run_task.outcome(stopped(0), "web")
    with pytest.raises(run_task.MigrationFailed, match="without an exit code"):
        run_task.outcome({"lastStatus": "STOPPED", "stopCode": "TaskFailedToStart", "containers": [{"name": "django"}]}, "django")


# ------------------------------------------------------------------------------------------------ end to end


def moto_config(aws, config: dict) -> dict:
    request = urllib.request.Request(
        aws.endpoint + "/moto-api/config", data=json.dumps(config).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30) as response:
        return json.loads(response.read())


@pytest.fixture
def lambda_without_docker(aws):
    """moto's Lambda invokes without Docker for this test (see the module docstring); restored afterwards."""
    assert moto_config(aws, {"lambda": {"use_docker": False}})["lambda"] == {"use_docker": False}
    try:
        yield aws
    finally:
        moto_config(aws, {"lambda": {"use_docker": True}})


def copy_layout(dest: Path) -> Path:
    ignore = shutil.ignore_patterns(".terraform", ".terraform.lock.hcl", "terraform.tfstate*")
    shutil.copytree(harness.REPO_ROOT / "modules", dest / "modules", ignore=ignore)
    shutil.copytree(EXAMPLE, dest / "examples" / "lambda-django-rds", ignore=ignore)
    return dest / "examples" / "lambda-django-rds"


def serve_env() -> dict:
    """The arm64 Node.js command tests/toolchain.sh installs (the image function carries arm64 sharp)."""
    command_file = harness.TOOLS_DIR / "node-arm64"
    if not command_file.is_file():
        pytest.fail("%s is missing: run tests/toolchain.sh (it installs an arm64 Node.js under qemu-user)" % command_file,
                    pytrace=False)
    return {"NEXTSTACK_EDGE_NODE_ARM64": command_file.read_text().strip(), "AWS_REGION": REGION}


def wait_for_api(edge: EdgeServer, api: str, host: str, timeout: float = 120.0) -> None:
    """Until the ALB's HTTPS listener forwards the target group's health check path to a Django task with 200."""
    edge.wait_for_200(lambda: static_fargate_site.http(api + "/health/", {"Host": host})[0],
                      "Django's /health/ through the ALB", timeout)


def test_lambda_django_rds_end_to_end(terraform_latest, nextjs_builds, lambda_without_docker, browser, tmp_path):
    aws = lambda_without_docker
    build = nextjs_builds.get("b1")
    layout = copy_layout(tmp_path / "layout")
    stages = six_stack.deploy_stages(layout)
    assert [[d.name for d in stage] for stage in stages] == [["app"]]

    zone_id = six_stack.create_dns_zone(aws)
    env = {
        "TF_VAR_build_dir": str(build),
        "TF_VAR_zip_dir": str(tmp_path / "zips"),
        "TF_VAR_domain_name": DOMAIN,
        "TF_VAR_hosted_zone_id": zone_id,
        "TF_VAR_dns_role_arn": six_stack.DNS_ROLE,
        "TF_VAR_wait_for_deployment": "false",
        "TF_VAR_warmer_concurrency": str(WARM),
    }
    tf = terraform_latest(layout / "app", region=REGION, env=env)
    tf.init_ok()

    # ---- bad input: refused at plan, naming the variable; nothing is created.
    cidr = dict(env, TF_VAR_extra_db_ingress='{ office = "10.0.0.0/8" }')
    not_a_secret = dict(env, TF_VAR_extra_site_secret_arns='{ API_TOKEN = "arn:aws:ssm:eu-west-1:123456789012:parameter/token" }')
    with ThreadPoolExecutor(max_workers=2) as pool:
        refused = list(pool.map(lambda case: terraform_latest(tf.workdir, region=REGION, env=case[0]).plan_fails("-lock=false", contains=case[1]), [
            (cidr, "The allowed_security_group_ids values must be security group ids (sg-0123456789abcdef0), not CIDR blocks"),
            (not_a_secret, "The secrets values must be Secrets Manager secret ARNs"),
        ]))
    assert "var.allowed_security_group_ids" in refused[0].stdout + refused[0].stderr
    assert "var.secrets" in refused[1].stdout + refused[1].stderr
    assert leftovers(aws, zone_id) == []

    # ---- apply.
    tf.apply_ok("-parallelism=10")
    out = tf.outputs()
    c = lambda service: aws.client(service, REGION)  # noqa: E731
    ec2 = c("ec2")

    # The network: isolated subnets whose route table has the VPC's local route and nothing else.
    isolated, private = out["isolated_subnet_ids"], out["private_subnet_ids"]
    subnets = {s["SubnetId"]: s for s in ec2.describe_subnets(SubnetIds=isolated + private)["Subnets"]}
    assert len({subnets[s]["AvailabilityZone"] for s in isolated}) == 2
    assert not any(s["MapPublicIpOnLaunch"] for s in subnets.values())
    for subnet in isolated:
        (table,) = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["RouteTables"]
        assert [(r["DestinationCidrBlock"], r.get("GatewayId")) for r in table["Routes"]] == [("10.0.0.0/16", "local")], table
    for subnet in private:
        (table,) = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet]}])["RouteTables"]
        assert {r["DestinationCidrBlock"]: bool(r.get("NatGatewayId")) for r in table["Routes"]} == {"10.0.0.0/16": False, "0.0.0.0/0": True}
    # The VPC's default security group is stripped of its rules (modules/vpc): a resource put in it by mistake
    # reaches nothing and is reached by nothing.
    (vpc_id,) = {s["VpcId"] for s in subnets.values()}
    (default_sg,) = ec2.describe_security_groups(Filters=[{"Name": "vpc-id", "Values": [vpc_id]},
                                                          {"Name": "group-name", "Values": ["default"]}])["SecurityGroups"]
    assert default_sg["IpPermissions"] == [] and default_sg["IpPermissionsEgress"] == [], default_sg

    # The database: in a subnet group of exactly the isolated subnets, private, encrypted, TLS required, its
    # master password managed by RDS in Secrets Manager, reachable on 5432 from the Django tasks' group only.
    rds = c("rds")
    (db,) = rds.describe_db_instances(DBInstanceIdentifier=out["db_instance_identifier"])["DBInstances"]
    assert (db["Engine"], db["PubliclyAccessible"], db["StorageEncrypted"], db["StorageType"]) == ("postgres", False, True, "gp3")
    assert sorted(s["SubnetIdentifier"] for s in db["DBSubnetGroup"]["Subnets"]) == sorted(isolated)
    assert [g["VpcSecurityGroupId"] for g in db["VpcSecurityGroups"]] == [out["db_security_group_id"]]
    master_arn = db["MasterUserSecret"]["SecretArn"]
    assert master_arn == out["db_master_user_secret_arn"]
    master = c("secretsmanager").describe_secret(SecretId=master_arn)
    assert master.get("OwningService") == "rds", master
    (pg,) = db["DBParameterGroups"]
    params = rds.describe_db_parameters(DBParameterGroupName=pg["DBParameterGroupName"], Source="user")["Parameters"]
    assert [(p["ParameterName"], p["ParameterValue"]) for p in params] == [("rds.force_ssl", "1")]
    task_sg = out["task_security_group_id"]
    assert sg_rules(aws, out["db_security_group_id"]) == [(False, "tcp", 5432, 5432, task_sg)]

    # Django: secrets in the container's `secrets`, from the RDS secret's JSON keys and the app's own secret; the
    # execution role may read exactly those two secrets; the tasks in the private subnets, no public address.
    ecs = c("ecs")
    (service,) = ecs.describe_services(cluster=out["cluster_name"], services=[out["service_name"]])["services"]
    network = service["networkConfiguration"]["awsvpcConfiguration"]
    assert (sorted(network["subnets"]), network["securityGroups"], network["assignPublicIp"]) == (sorted(private), [task_sg], "DISABLED")
    taskdef = ecs.describe_task_definition(taskDefinition=service["taskDefinition"])["taskDefinition"]
    (container,) = taskdef["containerDefinitions"]
    django_key_arn = out["django_secret_arns"]["DJANGO_SECRET_KEY"]
    assert container["secrets"] == [
        {"name": "DB_PASSWORD", "valueFrom": master_arn + ":password::"},
        {"name": "DB_USER", "valueFrom": master_arn + ":username::"},
        {"name": "DJANGO_SECRET_KEY", "valueFrom": django_key_arn},
    ]
    environment = {e["name"]: e["value"] for e in container["environment"]}
    assert environment == {
        "DB_HOST": db["Endpoint"]["Address"], "DB_PORT": "5432", "DB_NAME": "app", "DB_SSLMODE": "require",
        "DJANGO_ALLOWED_HOSTS": "api." + DOMAIN,
    }
    assert container["command"] == ["gunicorn", "config.wsgi", "--bind", "0.0.0.0:8000"]
    execution_role = taskdef["executionRoleArn"].rsplit("/", 1)[1]
    reads = [s for s in statements(aws, execution_role) if any(a.startswith(("secretsmanager:", "ssm:", "kms:")) for a in as_list(s["Action"]))]
    assert [(as_list(s["Action"]), sorted(as_list(s["Resource"]))) for s in reads] == [
        (["secretsmanager:GetSecretValue"], sorted([master_arn, django_key_arn]))
    ]
    published = {p["Name"] for p in c("ssm").get_parameters_by_path(Path="/nextstack/%s/django/" % ENV)["Parameters"]}
    assert "/nextstack/%s/django/task_security_group_id" % ENV in published

    # Next.js: the server function in the private subnets with its own egress-only group, the secret's ARN (not its
    # value) in <NAME>_SECRET_ARN, GetSecretValue on exactly that ARN; the other functions outside the VPC.
    lam = c("lambda")
    names = out["function_names"]
    server = lam.get_function(FunctionName=names["default"])["Configuration"]
    stripe_arn = out["site_secret_arns"]["STRIPE_SECRET_KEY"]
    assert sorted(server["VpcConfig"]["SubnetIds"]) == sorted(private)
    assert server["VpcConfig"]["SecurityGroupIds"] == [out["server_security_group_id"]]
    assert sg_rules(aws, out["server_security_group_id"]) == [(True, "-1", -1, -1, "0.0.0.0/0")]
    variables = server["Environment"]["Variables"]
    assert set(variables) == SERVER_ENV | {"STRIPE_SECRET_KEY_SECRET_ARN"} and variables["STRIPE_SECRET_KEY_SECRET_ARN"] == stripe_arn
    grants = by_sid(aws, names["default"] + "-role")
    assert (grants["ReadAppSecrets"]["Action"], grants["ReadAppSecrets"]["Resource"]) == ("secretsmanager:GetSecretValue", stripe_arn)
    assert "ec2:CreateNetworkInterface" in grants["VpcNetworkInterfaces"]["Action"]
    for key in ("imageOptimizer", "revalidation", "warmer"):
        conf = lam.get_function(FunctionName=names[key])["Configuration"]
        assert not (conf.get("VpcConfig") or {}).get("SubnetIds"), key
        assert not any(a.startswith(("secretsmanager:", "ec2:")) for s in statements(aws, names[key] + "-role") for a in as_list(s["Action"])), key
    # The warmer keeps the configured number of instances warm, every 5 minutes.
    warmer = lam.get_function(FunctionName=names["warmer"])["Configuration"]["Environment"]["Variables"]
    assert json.loads(warmer["WARM_PARAMS"]) == [{"concurrency": WARM, "function": names["default"]}]
    assert [r["ScheduleExpression"] for r in c("events").list_rules(NamePrefix="shop-site-%s" % ENV)["Rules"]] == ["rate(5 minutes)"]

    # The migration function: RunTask of the Django family in its cluster with the migrate command in the private
    # subnets and the task group; PassRole of exactly the two task roles, to ECS only; invoked by the apply with
    # the task definition revision the service runs.
    migrate = lam.get_function(FunctionName=out["migration_function_name"])
    conf = migrate["Configuration"]
    assert conf["Runtime"] == "python3.12" and conf["Handler"] == "index.handler" and conf.get("VpcConfig", {}).get("SubnetIds") in (None, [])
    assert migrate["Concurrency"]["ReservedConcurrentExecutions"] == 1
    menv = conf["Environment"]["Variables"]
    assert json.loads(menv["COMMAND"]) == MIGRATE and menv["CONTAINER"] == "django" and menv["ASSIGN_PUBLIC_IP"] == "DISABLED"
    assert sorted(json.loads(menv["SUBNETS"])) == sorted(private) and json.loads(menv["SECURITY_GROUPS"]) == [task_sg]
    assert menv["TASK_DEFINITION"] == taskdef["taskDefinitionArn"]
    cluster_arn = service["clusterArn"]
    grants = by_sid(aws, conf["Role"].rsplit("/", 1)[1])
    assert set(grants) == {"RunTaskOfThisFamily", "WatchTasksInThisCluster", "PassTheTaskRoles", "DeadLetters", "OwnLogs"}
    assert (grants["RunTaskOfThisFamily"]["Action"], grants["RunTaskOfThisFamily"]["Resource"]) == (
        "ecs:RunTask", "arn:aws:ecs:%s:123456789012:task-definition/%s:*" % (REGION, taskdef["family"]))
    assert grants["RunTaskOfThisFamily"]["Condition"] == {"ArnEquals": {"ecs:cluster": cluster_arn}}
    assert grants["WatchTasksInThisCluster"]["Resource"] == "arn:aws:ecs:%s:123456789012:task/%s/*" % (REGION, out["cluster_name"])
    assert sorted(as_list(grants["PassTheTaskRoles"]["Resource"])) == sorted([taskdef["executionRoleArn"], taskdef["taskRoleArn"]])
    assert grants["PassTheTaskRoles"]["Condition"] == {"StringEquals": {"iam:PassedToService": "ecs-tasks.amazonaws.com"}}
    invocation = tf.resource("module.migrations.aws_lambda_invocation.this[0]")
    assert json.loads(invocation["input"]) == {"task_definition": taskdef["taskDefinitionArn"]}
    assert invocation["result"], "the function was invoked and answered"

    # ---- secret values put outside Terraform: no change, and in the state nowhere (nor the RDS password).
    sm = c("secretsmanager")
    # (The harness searches every later command's output and state files for the three values.)
    stripe = harness.watch_secret("STRIPE_SECRET_KEY", "sk_live_" + "4eC39HqLyjWDarjtT1zdp7dc")
    django_key = harness.watch_secret("DJANGO_SECRET_KEY", "django-insecure-" + "q8m1v0x" * 4)
    sm.put_secret_value(SecretId=stripe_arn, SecretString=stripe)
    sm.put_secret_value(SecretId=django_key_arn, SecretString=django_key)
    password = json.loads(sm.get_secret_value(SecretId=master_arn)["SecretString"])["password"]
    assert len(password) >= 8
    harness.watch_secret("RDS master password", password)
    tf.assert_no_changes()
    tf.refresh_ok()  # every resource read back into the state
    state = (tf.workdir / "terraform.tfstate").read_text()
    for value in (stripe, django_key, password):
        assert value not in state
    assert json.dumps(password) not in json.dumps(taskdef) and stripe not in json.dumps(server)

    # ---- the migration task, run as the migration function asks ECS to (its TASK_DEFINITION, CONTAINER and
    # COMMAND), through nextstack-edge's ECS code: the Django program (tests/django-app) with the task definition's
    # environment and secrets from Secrets Manager, against a real PostgreSQL standing for the RDS instance (its
    # master user and password from the RDS-managed secret, TLS only), reached at the endpoint's own name and port.
    username = json.loads(sm.get_secret_value(SecretId=master_arn)["SecretString"])["username"]
    with PostgresServer(user=username, password=password, database=environment["DB_NAME"]) as pg:
        images = tmp_path / "images.json"
        # The image's stand-in: the project at its WORKDIR, the venv's bin first on PATH as the image's ENV would put it.
        images.write_text(json.dumps({"images": {container["image"].rsplit(":", 1)[0]: {
            "directory": str(django_app.APP_DIR), "workdir": "/app",
            "command": ["/usr/bin/env", "PATH=%s:/usr/bin:/bin" % django_app.venv_bin()]}}}))
        endpoint_map = "%s:%d=127.0.0.1:%d" % (db["Endpoint"]["Address"], db["Endpoint"]["Port"], pg.port)
        edge_env = dict(os.environ, AWS_ACCESS_KEY_ID="test", AWS_SECRET_ACCESS_KEY="test", AWS_REGION=REGION,
                        AWS_EC2_METADATA_DISABLED="true")
        started = time.monotonic()
        migration = subprocess.run([str(harness.build_edge()), "run-task", "--endpoint", aws.endpoint,
                                    "--task-definition", menv["TASK_DEFINITION"], "--container", menv["CONTAINER"],
                                    "--command", menv["COMMAND"], "--images", str(images), "--endpoint-map", endpoint_map],
                                   env=edge_env, capture_output=True, text=True, timeout=180)
        assert migration.returncode == 0, migration.stderr
        assert re.search(r"^\[django\] +Applying notes.0001_initial... OK$", migration.stderr, re.M), migration.stderr
        assert pg.psql("SELECT app, name FROM django_migrations WHERE app = 'notes'") == "notes|0001_initial\n"
        assert pg.psql("SELECT count(*) FROM notes_note") == "0\n"
        for value in (password, django_key):
            assert value not in migration.stderr
        print("migration task: %.1f s" % (time.monotonic() - started))

        # ---- the layout served by nextstack-edge and shown in Chromium: the distribution (the Next.js functions
        # run by the edge), the Django ALB's listeners forwarding to the service's task (the task definition's
        # gunicorn on 0.0.0.0:8000 in the task's own network, awsvpc), which reads the PostgreSQL above through the
        # instance's endpoint name. The browser sees both at their public origins (requests re-addressed to the
        # edge's loopback ports with their Host header).
        note = "written by the test " + os.urandom(4).hex()
        pg.psql("INSERT INTO notes_note (text, created) VALUES ('%s', now())" % note)
        (balancer,) = service["loadBalancers"]
        assert (balancer["containerName"], balancer["containerPort"]) == ("django", 8000)
        (group,) = c("elbv2").describe_target_groups(TargetGroupArns=[balancer["targetGroupArn"]])["TargetGroups"]
        (lb_arn,) = group["LoadBalancerArns"]
        lb_name = lb_arn.split("/")[-2]
        api_host = "api." + DOMAIN
        started = time.monotonic()
        with EdgeServer(harness.build_edge(), aws.endpoint, out["distribution_id"], load_balancers=[lb_arn],
                        extra_args=["--cluster", out["cluster_name"], "--images", str(images), "--endpoint-map", endpoint_map],
                        env=serve_env(), timeout=180) as edge:
            api = edge.listeners[(lb_name, 443)]
            wait_for_api(edge, api, api_host)
            # The task: its own address, gunicorn on the task definition's port, registered in the target group.
            task = re.search(r"ECS service %s: task \w+ started \(\S+\) django:8000=http://(127\.78\.\d+\.\d+):8000$"
                             % re.escape(out["service_name"]), edge.stderr(), re.M)
            assert task, edge.stderr()[-4000:]
            print("edge serving with the Django task healthy: %.1f s" % (time.monotonic() - started))

            page = static_fargate_site.new_site_page(browser, {"https://" + DOMAIN: edge.url, "https://" + api_host: api})
            try:
                # The Next.js page from the server function, every asset from the assets bucket.
                response = page.goto("https://%s/" % DOMAIN)
                assert response.status == 200
                assert page.get_by_test_id("page-title").inner_text() == "nextstack test app"
                page.assert_all_ok()
                assert any(e.url.startswith("https://%s/_next/static/" % DOMAIN) for e in page.exchanges), page.exchanges

                # The Django API at its own origin: the row the test put in PostgreSQL, read over TLS.
                page.clear()
                response = page.goto("https://%s/api/notes/" % api_host)
                assert response.status == 200
                listed = json.loads(page.inner_text("body"))
                assert [n["text"] for n in listed["notes"]] == [note], listed
                assert listed["database"]["server"].startswith("PostgreSQL ") and listed["database"]["ssl"] is True, listed
                # A note written from the page lands in the same database.
                written = page.evaluate("""text => fetch("/api/notes/", {method: "POST", body: JSON.stringify({text})})
                                                 .then(r => r.json().then(body => [r.status, body]))""", "from Chromium")
                assert written[0] == 201 and written[1]["text"] == "from Chromium", written
                assert [(e.method, e.url, e.status) for e in page.exchanges if e.resource_type in ("document", "fetch")] == [
                    ("GET", "https://%s/api/notes/" % api_host, 200), ("POST", "https://%s/api/notes/" % api_host, 201)]
                assert page.page_errors == []
            finally:
                page.close()
            assert pg.psql("SELECT text FROM notes_note ORDER BY id") == "%s\nfrom Chromium\n" % note
            # Django refuses a host it does not serve (ALLOWED_HOSTS from the task definition): 400.
            assert static_fargate_site.http(api + "/api/notes/", {"Host": "evil.example"})[0] == 400
            for value in (password, django_key):
                assert value not in edge.stderr()

    # ---- destroy: nothing left in any service.
    tf.destroy_ok("-parallelism=10")
    assert leftovers(aws, zone_id) == []


def leftovers(aws, zone_id):
    """The six-stack list (SSM, ECR, ECS, security groups, ELBv2, Lambda, SQS, logs, events, WAF, ACM, S3, IAM,
    CloudFront, the DNS zone's records) plus CloudFront Functions, RDS, Secrets Manager (also secrets scheduled for
    deletion), the VPC and what lives in it (NAT gateways, Elastic IPs)."""
    left = six_stack.leftovers(aws, zone_id)
    functions = aws.client("cloudfront", "us-east-1").list_functions()["FunctionList"].get("Items") or []
    left += ["cloudfront function: %s" % f["Name"] for f in functions]
    c = lambda service: aws.client(service, REGION)  # noqa: E731
    rds = c("rds")
    left += ["rds: %s" % d["DBInstanceIdentifier"] for d in rds.describe_db_instances()["DBInstances"]]
    left += ["rds subnet group: %s" % g["DBSubnetGroupName"] for g in rds.describe_db_subnet_groups()["DBSubnetGroups"]]
    left += ["rds parameter group: %s" % g["DBParameterGroupName"] for g in rds.describe_db_parameter_groups()["DBParameterGroups"]
             if not g["DBParameterGroupName"].startswith("default.")]
    left += ["rds snapshot: %s" % s["DBSnapshotIdentifier"] for s in rds.describe_db_snapshots()["DBSnapshots"]]
    left += ["secretsmanager: %s" % s["Name"] for s in c("secretsmanager").list_secrets(IncludePlannedDeletion=True)["SecretList"]]
    ec2 = c("ec2")
    left += ["vpc: %s" % v["VpcId"] for v in ec2.describe_vpcs()["Vpcs"] if not v["IsDefault"]]
    left += ["nat gateway: %s" % n["NatGatewayId"] for n in ec2.describe_nat_gateways()["NatGateways"] if n["State"] not in ("deleted", "deleting")]
    left += ["eip: %s" % a.get("AllocationId") for a in ec2.describe_addresses()["Addresses"]]
    return left
