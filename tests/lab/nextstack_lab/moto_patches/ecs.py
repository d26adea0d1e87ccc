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
