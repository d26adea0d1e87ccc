"""moto patches for ECS (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

import functools

from ._support import _wrap
from .registry import patch


@patch
def ecs_create_service_parameters():
    """CreateService: most of the service's settings are dropped.

    AWS: DescribeServices returns what CreateService was given: capacityProviderStrategy (and then no
    launchType), deploymentConfiguration (maximumPercent / minimumHealthyPercent default to 200 / 100 for a
    REPLICA service, the circuit breaker to disabled), enableExecuteCommand, enableECSManagedTags (false when
    not given), healthCheckGracePeriodSeconds, availabilityZoneRebalancing, placementConstraints and
    placementStrategy. moto keeps none of them and reports launchType EC2, so hashicorp/aws plans to replace
    the service (capacity_provider_strategy forces a new one) and to flip enable_execute_command etc.
    Fix: store them on the service after moto created it (UpdateService already stores what it is given).
    """
    from botocore import xform_name
    from moto.ecs.responses import EC2ContainerServiceResponse

    def make(original):
        def create_service(self):
            result = original(self)
            service = result.result["service"]
            strategy = self._get_param("capacityProviderStrategy")
            if strategy:
                service.capacity_provider_strategy = [
                    {"capacityProvider": s["capacityProvider"], "weight": s.get("weight", 0), "base": s.get("base", 0)}
                    for s in strategy
                ]
                if not self._get_param("launchType"):
                    service.launch_type = None
                    for deployment in service.deployments:
                        deployment["launchType"] = None
                        deployment["capacityProviderStrategy"] = service.capacity_provider_strategy
            daemon = service.scheduling_strategy == "DAEMON"
            config = {
                "maximumPercent": 100 if daemon else 200,
                "minimumHealthyPercent": 0 if daemon else 100,
                "deploymentCircuitBreaker": {"enable": False, "rollback": False},
            }
            config.update(self._get_param("deploymentConfiguration") or {})
            service.deployment_configuration = config
            service.enable_execute_command = bool(self._get_param("enableExecuteCommand", False))
            service.enable_ecs_managed_tags = bool(self._get_param("enableECSManagedTags", False))
            for key in (
                "healthCheckGracePeriodSeconds",
                "availabilityZoneRebalancing",
                "placementConstraints",
                "placementStrategy",
            ):
                value = self._get_param(key)
                if value is not None:
                    setattr(service, xform_name(key), value)
            return result

        return create_service

    _wrap(EC2ContainerServiceResponse, "create_service", make)


@patch
def ecs_run_task_without_container_memory():
    """RunTask: HTTP 500 for a task definition whose containers set no memory of their own.

    AWS: on Fargate the task-level `memory` is enough; a container's `memory` / `memoryReservation` is optional
    (modules/fargate-service sets none). moto adds up the containers' memory to place the task and fails with
    `int += None` when a container has none, even for launchType FARGATE, which needs no placement. Fix: count a
    container without memory as 0 while adding up.
    """
    import types

    from moto.ecs.models import EC2ContainerServiceBackend

    memory_keys = ("memory", "memoryReservation", "Memory", "MemoryReservation")
    original = EC2ContainerServiceBackend._calculate_task_resource_requirements

    def calculate(task_definition):
        containers = [
            c if any(c.get(k) is not None for k in memory_keys) else dict(c, memory=0)
            for c in task_definition.container_definitions
        ]
        return original(types.SimpleNamespace(container_definitions=containers))

    functools.update_wrapper(calculate, original)
    EC2ContainerServiceBackend._calculate_task_resource_requirements = staticmethod(calculate)


@patch
def ecs_update_service_starts_a_deployment():
    """UpdateService: a new task definition (or forceNewDeployment) starts no new deployment.

    AWS: UpdateService with a new taskDefinition, or with forceNewDeployment, starts a new deployment: DescribeServices
    lists it as the PRIMARY one, with an id of its own and the new task definition, and the service's taskDefinition
    is always the revision's full ARN, also when UpdateService named it as `family` or `family:revision`
    (API reference, UpdateService and Deployment; Developer Guide, "Deploy Amazon ECS services by replacing tasks").
    moto stores the string as given and keeps its one deployment with the old task definition (forceNewDeployment
    only gives it a new id), so a deployer that reads the PRIMARY deployment and a data plane that follows the
    service's deployments (nextstack-edge) see nothing new. Fix: after moto's update, resolve the task definition to
    its ARN and, when it changed or a new deployment was forced, replace the deployments by one new PRIMARY
    deployment of it. moto runs no tasks and reports a new service's deployment COMPLETED at once (CreateService);
    the new one is reported the same way, so a later plan sees one deployment as after a finished rollout on AWS.
    """
    import copy

    from moto.ecs.models import EC2ContainerServiceBackend
    from moto.moto_api._internal import mock_random
    from moto.core.utils import utcnow

    def make(original):
        def update_service(self, service_properties):
            cluster = service_properties.get("cluster", "default")
            name = service_properties.get("service", "").split("/")[-1]
            given = service_properties.get("task_definition")
            forced = bool(service_properties.get("force_new_deployment"))
            before = self._get_service(cluster, name).task_definition
            service = original(self, service_properties)
            if given:
                service.task_definition = self.describe_task_definition(given).arn
            if (service.task_definition != before or forced) and service.deployments:
                deployment = copy.copy(service.deployments[0])
                deployment_id = f"ecs-svc/{mock_random.randint(0, 32**12)}"
                now = utcnow()
                deployment.update(id=deployment_id, taskDefinition=service.task_definition, createdAt=now,
                                  updatedAt=now, status="PRIMARY", desiredCount=service.desired_count,
                                  rolloutState="COMPLETED",
                                  rolloutStateReason=f"ECS deployment {deployment_id} completed.")
                service.deployments = [deployment]
            return service

        return update_service

    _wrap(EC2ContainerServiceBackend, "update_service", make)
