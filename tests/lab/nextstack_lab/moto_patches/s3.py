"""moto patches for S3 (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

from ._support import _wrap
from .registry import patch


@patch
def s3_bucket_policy_conditions():
    """S3 bucket policies: a statement's Condition is ignored when moto checks object requests.

    AWS: a statement applies only when its Condition holds; the usual TLS-only statement (Deny s3:* to * if
    aws:SecureTransport is false) denies nothing to a request over HTTPS. moto checks every object request
    against the bucket policy with Principal and Condition ignored, so that statement denies every PutObject and
    GetObject (HTTP 403 with an empty body). Fix: statements with a Condition are left out of moto's check
    (moto can evaluate none of them); the rest are checked as before.
    """
    import json as _json

    from moto.s3.models import FakeBucket

    def make(original):
        def get_permission(self, action, resource):
            if self.policy is None:
                return original(self, action, resource)
            policy = _json.loads(self.policy)
            statements = policy.get("Statement", [])
            if isinstance(statements, dict):
                statements = [statements]
            kept = [st for st in statements if not st.get("Condition")]
            if len(kept) == len(statements):
                return original(self, action, resource)
            saved = self.policy
            try:
                self.policy = _json.dumps(dict(policy, Statement=kept)).encode()
                return original(self, action, resource)
            finally:
                self.policy = saved

        return get_permission

    _wrap(FakeBucket, "get_permission", make)


@patch
def s3_delete_version_in_suspended_bucket():
    """S3: a version deleted by id from a bucket whose versioning is suspended.

    AWS ("Deleting object versions from a versioning-suspended bucket"): a DELETE with a versionId permanently
    removes that one version, object or delete marker, whatever the bucket's versioning state. moto treats a
    suspended bucket as unversioned: it ignores the versionId, drops every version of the key, and fails with a
    500 when one of them is a delete marker (FakeDeleteMarker has no dispose()). hashicorp/aws destroys a bucket's
    aws_s3_bucket_versioning first (which suspends versioning) and then empties the bucket version by version for
    force_destroy, so a bucket that ever held a deleted object could not be destroyed: the provider retried the
    500 until Terraform's timeout. Fix: with a versionId and versioning suspended, only that version is removed."""
    from moto.s3.models import S3Backend

    def make(original):
        def delete_object(self, bucket_name, key_name, version_id=None, bypass=False):
            bucket = self.get_bucket(bucket_name)
            if version_id is None or getattr(bucket, "versioning_status", None) != "Suspended":
                return original(self, bucket_name, key_name, version_id, bypass)
            versions = bucket.keys.getlist(key_name, [])
            keep = [v for v in versions if str(v.version_id) != str(version_id)]
            if len(keep) == len(versions):
                return False, {"version-id": version_id}
            for removed in versions:
                if removed not in keep and hasattr(removed, "dispose"):
                    removed.dispose()
            bucket.keys.setlist(key_name, keep)
            if not keep:
                bucket.keys.pop(key_name)  # disposes nothing: the list is empty
            return True, {"version-id": version_id}

        return delete_object

    _wrap(S3Backend, "delete_object", make)
