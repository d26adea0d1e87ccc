"""moto patches for ECR (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

import hashlib

from .registry import patch


@patch
def ecr_image_digest_of_the_manifest():
    """PutImage: the image digest is not the manifest's.

    AWS: an image's `imageDigest` is "the sha256 digest of the image manifest" (API reference, ImageIdentifier and
    PutImage), so two different manifests never share a digest and a deploy by digest (repository@sha256:...)
    names one image. moto hashes the concatenated layer digests instead (two images with the same layers and a
    different config get one digest) and, for a manifest without layers, takes the hash of a random number between
    0 and 100 (two pushes collide one time in about a hundred). Fix: the SHA-256 of the manifest as pushed.
    """
    from moto.ecr.models import Image

    def create_digest(self):
        self._image_digest = "sha256:" + hashlib.sha256(self.image_manifest.encode("utf-8")).hexdigest()

    create_digest.__name__ = Image._create_digest.__name__
    create_digest.__doc__ = Image._create_digest.__doc__
    Image._create_digest = create_digest
