"""moto patches for Elastic Load Balancing v2 (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

from ._support import _arguments, _wrap
from .registry import patch


@patch
def elbv2_certificate_in_use_by():
    """ELBv2: an ACM certificate stays "in use" after its listener and load balancer are gone.

    AWS: DescribeCertificate's InUseBy names the load balancers whose listeners use the certificate, and follows
    the listeners: a certificate put on a listener by ModifyListener or AddListenerCertificates is in use, one
    taken off, or whose listener or load balancer is deleted, no longer is (so it can be deleted). moto appends
    the listener's ARN at CreateListener and never removes it, and ignores the other operations, so a tool that
    waits for InUseBy to empty before DeleteCertificate (nextstack_acm_certificate does, as AWS refuses the delete
    of a certificate in use) waits forever after the ALB is destroyed. Fix: after each of those operations, make
    the load balancer's entries in InUseBy match the certificates its listeners have now.
    """
    from moto.acm.models import acm_backends
    from moto.elbv2.models import ELBv2Backend

    def sync(backend, lb_arn):
        balancer = backend.load_balancers.get(lb_arn)
        wanted = set()
        for listener in (balancer.listeners.values() if balancer else []):
            wanted.update(c for c in [listener.certificate, *(listener.certificates or [])] if c)
        listener_prefix = lb_arn.replace(":loadbalancer/", ":listener/") + "/"
        for arn, cert in acm_backends[backend.account_id][backend.region_name]._certificates.items():
            users = [u for u in cert.in_use_by if u != lb_arn and not u.startswith(listener_prefix)]
            cert.in_use_by = users + ([lb_arn] if arn in wanted else [])

    def lb_of_listener(backend, listener_arn):
        for lb_arn, balancer in backend.load_balancers.items():
            if listener_arn in balancer.listeners:
                return lb_arn
        return None

    def make(original, lb_arn_of):
        def wrapper(self, *args, **kwargs):
            lb_arn = lb_arn_of(self, _arguments(original, self, *args, **kwargs))
            result = original(self, *args, **kwargs)
            if lb_arn:
                sync(self, lb_arn)
            return result

        return wrapper

    by_listener = {"modify_listener": "arn", "add_listener_certificates": "arn", "remove_listener_certificates": "arn",
                   "delete_listener": "listener_arn"}
    for name, param in by_listener.items():
        _wrap(ELBv2Backend, name, lambda original, param=param: make(original, lambda b, a: lb_of_listener(b, a[param])))
    _wrap(ELBv2Backend, "create_listener", lambda original: make(original, lambda b, a: a["load_balancer_arn"]))
    _wrap(ELBv2Backend, "delete_load_balancer", lambda original: make(original, lambda b, a: a["arn"]))


@patch
def elbv2_create_load_balancer_default_scheme():
    """ELBv2 CreateLoadBalancer: a load balancer created without Scheme has none.

    AWS: Scheme defaults to internet-facing, and DescribeLoadBalancers always returns it. hashicorp/aws sends
    Scheme only for `internal = true`; moto passes the missing parameter on as None, so the load balancer is
    described without a Scheme (a reader cannot tell that it is internet-facing). Fix: AWS's default.
    """
    from moto.elbv2.models import FakeLoadBalancer

    def make(original):
        def __init__(self, *args, **kwargs):
            original(self, *args, **kwargs)
            if not self.scheme:
                self.scheme = "internet-facing"

        return __init__

    _wrap(FakeLoadBalancer, "__init__", make)


@patch
def elbv2_targets_by_id_and_port():
    """ELBv2: a target group keeps one target per Id, whatever the ports.

    AWS ("Register targets with your target group"): "you can register each EC2 instance or IP address with the same
    target group multiple times using different ports"; a target is its Id and Port (RegisterTargets,
    DeregisterTargets and DescribeTargetHealth name both). moto keys a group's targets by Id alone, so registering
    127.0.0.1:8001 and 127.0.0.1:8002 leaves only the second. Fix: the group's targets keyed by Id and Port (the
    group's port when none is given) for register, deregister and health; deregistered and terminated targets stay
    keyed by Id as moto keeps them.
    """
    from moto.elbv2.models import FakeTargetGroup

    def key(group, target):
        return "%s|%s" % (target["Id"], target.get("Port") or group.port)

    def register(original):
        def wrapper(self, targets):
            for target in targets:
                original(self, [target])
                entry = self.targets.pop(target["Id"])
                self.targets[key(self, target)] = entry

        return wrapper

    def deregister(original):
        def wrapper(self, targets):
            for target in targets:
                entry = self.targets.get(key(self, target))
                if entry is None:
                    return original(self, [target])  # moto's InvalidTargetError
                self.targets = {k: v for k, v in self.targets.items() if k != key(self, target)} | {target["Id"]: entry}
                original(self, [target])

        return wrapper

    def health_for(original):
        def wrapper(self, target, ec2_backend):
            entry = self.targets.get(key(self, target))
            if entry is None:
                return original(self, target, ec2_backend)
            saved, self.targets = self.targets, {target["Id"]: entry}
            try:
                return original(self, target, ec2_backend)
            finally:
                self.targets = saved

        return wrapper

    def deregister_terminated_instances(original):
        def wrapper(self, instance_ids):
            for k in [k for k, v in self.targets.items() if v["Id"] in instance_ids]:
                self.terminated_targets[self.targets[k]["Id"]] = self.targets.pop(k)

        return wrapper

    _wrap(FakeTargetGroup, "register", register)
    _wrap(FakeTargetGroup, "deregister", deregister)
    _wrap(FakeTargetGroup, "health_for", health_for)
    _wrap(FakeTargetGroup, "deregister_terminated_instances", deregister_terminated_instances)
