"""The OpenAPI description of every v1 operation includes the answers it can give besides success.

drf-spectacular documents what a view returns when all goes well (and what ``extend_schema``
adds); the errors every operation shares come from the framework and the middleware and were
missing, so a client (or schemathesis) met undocumented status codes. They are added here, once,
for every view that uses ``HubAutoSchema``.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse

from hub.api.serializers.messages import ErrorSerializer

# DRF answers invalid input with the fields' messages ({"field": ["…"]}) or, from a view, with
# {"detail": "…"}: an object either way.
INVALID = OpenApiResponse(OpenApiTypes.OBJECT, description="Invalid input: the messages say what to change.")
COMMON = {
    "401": OpenApiResponse(ErrorSerializer, description="No credentials, or credentials that are not valid."),
    "403": OpenApiResponse(ErrorSerializer, description="The account has no agent profile, or may not do this."),
    "429": OpenApiResponse(
        ErrorSerializer, description="Too many failed authentication attempts from this address: wait and retry."
    ),
}
# Any path segment reaches the view, which answers an id that is no number with a JSON 404 (the
# router's default pattern sent "1.5" to Django's HTML 404 page instead).
LOOKUP = r"[^/]+"
NOT_FOUND = OpenApiResponse(ErrorSerializer, description="No such object, or not one the agent may see.")


class HubAutoSchema(AutoSchema):
    def _takes_input(self) -> bool:
        """Query parameters (filters, cursors, page sizes) or a request body to validate."""
        if self.method in ("POST", "PUT", "PATCH"):
            return True
        return bool(self._get_filter_parameters() or self._get_pagination_parameters())

    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        extra = dict(COMMON)
        if "{" in self.path or self._get_pagination_parameters():
            # A detail outside the agent's scope, or a list page whose cursor is not valid.
            extra["404"] = NOT_FOUND
        if self._takes_input():
            extra["400"] = INVALID
        for code, response in extra.items():
            if code == "400" and code in responses:
                # Keep the view's description, but the body is any validation answer.
                described = responses[code].get("description") or ""
                responses[code] = self._get_response_for_code(response, code, direction=direction)
                responses[code]["description"] = described or responses[code]["description"]
            elif code not in responses:
                responses[code] = self._get_response_for_code(response, code, direction=direction)
        return responses
