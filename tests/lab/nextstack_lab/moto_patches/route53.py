"""moto patches for Route 53 (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

from ._support import _wrap
from .registry import patch


@patch
def route53_recreate_deleted_record_set():
    """Route 53's ChangeResourceRecordSets refuses a CREATE only when a record set of that name and type exists
    now; a record set deleted earlier can be created again. moto refuses a CREATE identical to any earlier change in
    its journal whenever ListResourceRecordSets starting at that name returns anything, i.e. whenever any record
    set sorts at or after it, so writing back a record removed moments ago fails with "already exists". Fixed:
    such a CREATE is refused only when a record set of that name and type exists; otherwise its stale journal
    entries are dropped before moto's own checks run."""
    from moto.route53.exceptions import ResourceRecordAlreadyExists
    from moto.route53.models import Route53Backend

    def make(original):
        def change_resource_record_sets(self, zoneid, change_list):
            zone = self.get_hosted_zone(zoneid)
            for value in change_list:
                if value["Action"] != "CREATE":
                    continue
                rrset = value["ResourceRecordSet"]
                name = rrset["Name"].strip(".").lower()
                if any(r.name.strip(".").lower() == name and r.type == rrset["Type"] for r in zone.rrsets):
                    raise ResourceRecordAlreadyExists(name=name + ".", _type=rrset["Type"])
                while value in zone.rr_changes:
                    zone.rr_changes.remove(value)
            return original(self, zoneid, change_list)

        return change_resource_record_sets

    _wrap(Route53Backend, "change_resource_record_sets", make)
