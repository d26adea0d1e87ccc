"""moto patches for KMS (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

from ._support import _wrap
from .registry import patch


@patch
def kms_aws_managed_keys():
    """KMS: the AWS managed keys moto makes for a service (alias/aws/dynamodb, alias/aws/ebs) say KeyManager CUSTOMER.

    AWS: a key that a service creates for itself on first use (alias/aws/<service>) is an AWS managed key:
    DescribeKey returns KeyManager AWS; it cannot be deleted and is no customer's to clean up. moto creates these
    keys with its generic create_key, which always says CUSTOMER, so an inventory of customer-managed keys (the
    six-stack's leftovers check) counts the keys of the DynamoDB table's default encryption and of the instances'
    encrypted volumes as left behind. Fix: a key that gets an alias/aws/ alias is AWS managed.
    """
    from moto.kms.models import KmsBackend

    def make(original):
        def create_alias(self, target_key_id, alias_name):
            result = original(self, target_key_id, alias_name)
            if alias_name.startswith("alias/aws/"):
                self.describe_key(target_key_id).key_manager = "AWS"
            return result

        return create_alias

    _wrap(KmsBackend, "create_alias", make)
