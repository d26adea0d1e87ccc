"""moto patches for API Gateway (the rules of a patch: nextstack_lab/moto_patches/__init__.py).

Each function fixes one defect of moto 5.2.5; @patch registers it, in the order of this file.
"""

from __future__ import annotations

from ._support import _wrap
from .registry import patch


@patch
def apigateway_create_rest_api_binary_media_types():
    """API Gateway: CreateRestApi drops binaryMediaTypes.

    AWS: CreateRestApi takes `binaryMediaTypes` ("Working with binary media types for REST APIs") and GetRestApi
    returns them; they decide which request bodies a Lambda proxy integration gets base64-encoded. moto reads every
    other argument of CreateRestApi but not this one (UpdateRestApi's patch operations do set it), so an API created
    with binary media types has none. Fix: the created API gets the list it was created with.
    """
    import json as _json

    from moto.apigateway.responses import APIGatewayResponse

    def make(original):
        def create_rest_api(self):
            status, headers, body = original(self)
            types = self._get_param("binaryMediaTypes")
            if status == 200 and types:
                api = self.backend.get_rest_api(_json.loads(body)["id"])
                api.binaryMediaTypes = list(types)
                body = _json.dumps(api.to_dict())
            return status, headers, body

        return create_rest_api

    _wrap(APIGatewayResponse, "create_rest_api", make)
