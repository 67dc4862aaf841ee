"""OpenAPI description of the bearer-token authentication (drf-spectacular extension)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.plumbing import force_instance, is_list_serializer
from drf_spectacular.utils import OpenApiResponse


class BearerTokenScheme(OpenApiAuthenticationExtension):
    target_class = "crm.api.authentication.BearerTokenAuthentication"
    name = "bearerToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API client token: `Authorization: Bearer crm_<prefix>_<secret>`; scopes decide access.",
        }


ERROR_RESPONSES: dict[int, str] = {
    400: "A parameter or the body is invalid (the message names it).",
    401: "No valid bearer token.",
    403: "The token lacks the scope, or the object is outside the caller's regions.",
    404: "No such resource (or not visible to the caller).",
    409: "Conflicts with the resource's state (a duplicate, a stale version).",
    415: "The body's media type is not accepted.",
    422: "Well-formed but breaks a business rule.",
    429: "Rate limit of the API client exceeded (see Retry-After).",
    503: "A backing service (database, queue) is unavailable; retry later.",
}
ALWAYS_PRESENT = ("id", "href", "@type")


def tmf_postprocess(result: dict, generator, request, public) -> dict:
    """drf-spectacular post-processing hook: the schema tells what the API really answers.

    - every operation may answer the TMF630 error body (``Error``) with the statuses of ``ERROR_RESPONSES``;
    - ``fields=`` selection trims a resource to the attributes asked for plus id, href and @type, so those are the
      only ones a response component can require.
    """
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas["Error"] = {
        "type": "object",
        "description": "TMF630 error body.",
        "properties": {
            "code": {"type": "string"},
            "reason": {"type": "string"},
            "message": {"type": "string"},
            "status": {"type": "string"},
            "@type": {"type": "string", "enum": ["Error"]},
        },
        "required": ["code", "reason", "message", "status", "@type"],
    }
    error_content = {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}
    for operations in result.get("paths", {}).values():
        for method, operation in operations.items():
            if method not in ("get", "put", "post", "patch", "delete"):
                continue
            responses = operation.setdefault("responses", {})
            for status, description in ERROR_RESPONSES.items():
                responses.setdefault(str(status), {"description": description, "content": error_content})
    for name, component in schemas.items():
        if name != "Error" and not name.endswith("Request") and "required" in component:
            kept = [field for field in component["required"] if field in ALWAYS_PRESENT]
            if kept:
                component["required"] = kept
            else:
                del component["required"]
    return result


# What every TMF resource carries, whatever ``fields=`` selects (TMFSerializer builds the rest at run time).
TMF_RESOURCE = {
    "type": "object",
    "properties": {"id": {"type": "string"}, "href": {"type": "string"}, "@type": {"type": "string"}},
    "required": ["id", "href", "@type"],
    "additionalProperties": True,
}


class TMFAutoSchema(AutoSchema):
    """drf-spectacular's AutoSchema, plus the bodies the TMF base views really read: a PATCH is validated by the
    view's ``patch_serializer_class``, a POST by its ``input_serializer_class`` (when it has them)."""

    def get_request_serializer(self):
        attribute = {"PATCH": "patch_serializer_class", "POST": "input_serializer_class"}.get(self.method)
        serializer = getattr(self.view, attribute, None) if attribute else None
        return serializer if serializer is not None else super().get_request_serializer()

    def _get_response_for_code(self, serializer, status_code, media_types=None, direction="response"):
        """A TMFSerializer declares no fields (it builds its dict), which drf-spectacular reports as "No response
        body"; the schema says instead that a TMF resource (or a list of them) in JSON comes back."""
        response = super()._get_response_for_code(serializer, status_code, media_types, direction)
        from .serializers import TMFSerializer

        explicit = isinstance(serializer, OpenApiResponse)
        instance = force_instance(serializer.response if explicit else serializer)
        many = is_list_serializer(instance)
        if many:
            instance = instance.child
        documented = "content" in response or status_code[0] != "2" or status_code == "204"
        if documented or not isinstance(instance, TMFSerializer):
            return response
        schema = {"type": "array", "items": TMF_RESOURCE} if many or self._is_list_view(instance) else TMF_RESOURCE
        description = serializer.description if explicit else ""
        return {**response, "description": description, "content": {"application/json": {"schema": schema}}}
