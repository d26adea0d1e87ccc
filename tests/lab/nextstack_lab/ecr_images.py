"""ECR images for the tests that deploy by digest: an image manifest pushed to a repository in the (patched) moto
server, and the event EventBridge delivers for that push, which the application stack's auto-deploy function takes.

AWS: Amazon ECR User Guide, "Amazon ECR events and EventBridge" (the `ECR Image Action` event of a successful PUSH:
`repository-name`, `image-digest`, `image-tag`, `action-type`, `result`); the image's digest is the SHA-256 of its
manifest (moto_patches.ecr.ecr_image_digest_of_the_manifest).
"""

from __future__ import annotations

import hashlib
import json


def push_image(ecr, repository: str, tag: str) -> str:
    """An image pushed to `repository` with `tag` (its config and its one layer are named after the tag, so every
    tag is another image); its digest."""
    def blob(kind: str) -> str:
        return "sha256:" + hashlib.sha256((kind + tag).encode()).hexdigest()

    manifest = json.dumps({"schemaVersion": 2, "mediaType": "application/vnd.docker.distribution.manifest.v2+json",
                           "config": {"mediaType": "application/vnd.docker.container.image.v1+json", "size": 7,
                                      "digest": blob("config")},
                           "layers": [{"mediaType": "application/vnd.docker.image.rootfs.diff.tar.gzip", "size": 9,
                                       "digest": blob("layer")}]})
    image = ecr.put_image(repositoryName=repository, imageManifest=manifest, imageTag=tag)["image"]
    return image["imageId"]["imageDigest"]


def push_event(account: str, region: str, repository: str, digest: str, tag: str) -> dict:
    """EventBridge's event for a successful push of `digest` with `tag` to `repository`."""
    return {"version": "0", "id": "4f5ec4d5-4de4-7aad-a046-56d5cfe1df0e", "detail-type": "ECR Image Action",
            "source": "aws.ecr", "account": account, "time": "2026-12-07T09:00:00Z", "region": region,
            "resources": [], "detail": {"result": "SUCCESS", "repository-name": repository, "image-digest": digest,
                                        "action-type": "PUSH", "image-tag": tag}}
