"""How the token authentication looks in the OpenAPI schema (loaded by IntegrationsConfig)."""

from drf_spectacular.extensions import OpenApiAuthenticationExtension


class TokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {
            "type": "http",
            "scheme": "bearer",
            "description": "An API token created by an admin: `Authorization: Bearer hf_<key id>_<secret>`.",
        }


class QueryTokenAuthenticationScheme(OpenApiAuthenticationExtension):
    target_class = "integrations.authentication.QueryTokenAuthentication"
    name = "apiTokenInQuery"
    match_subclasses = False

    def get_security_definition(self, auto_schema):
        return {
            "type": "apiKey",
            "in": "query",
            "name": "token",
            "description": "The API token in the URL, for webhook senders that cannot set headers.",
        }


# The answers every operation can give besides its own, as the views really give them: DRF's
# {"detail": …} for authentication, permission, missing objects and the rate limit; field
# errors (or {"detail": …} for a body that is no JSON) for bad input.
ERROR = {
    "type": "object",
    "properties": {"detail": {"type": "string"}},
    "required": ["detail"],
}
FIELD_ERRORS = {
    "type": "object",
    "description": (
        "Each bad field with its messages (`{\"email\": [\"…\"]}`, nested for `company`), "
        "`non_field_errors` for the request as a whole, or `detail` when the body is no JSON."
    ),
    "additionalProperties": {},
}
ERROR_RESPONSES = {
    "400": ("FieldErrors", "The request is invalid; nothing was stored."),
    "401": ("Error", "No valid API token (the token is missing, unknown, revoked or expired)."),
    "403": ("Error", "Not allowed: the token lacks the scope, or the person lacks the role."),
    "404": ("Error", "No such lead."),
    "429": ("Error", "This API token sent more requests this minute than it may; see Retry-After."),
}


def document_error_responses(result, generator, request, public):
    """Postprocessing hook: adds the documented error answers to every operation that can
    give them, so clients (and the contract test) know each status code the API returns.
    400 where there is input to reject (a cursor too), 404 where a path names a lead, 429
    where an API token is accepted (only tokens are rate-limited)."""
    schemas = result.setdefault("components", {}).setdefault("schemas", {})
    schemas.setdefault("Error", ERROR)
    schemas.setdefault("FieldErrors", FIELD_ERRORS)
    for operations in result.get("paths", {}).values():
        for operation in operations.values():
            parameters = operation.get("parameters", [])
            codes = ["401", "403"]
            if "requestBody" in operation or any(p["in"] == "query" for p in parameters):
                codes.append("400")
            if any(p["in"] == "path" for p in parameters):
                codes.append("404")
            if any("apiToken" in requirement or "apiTokenInQuery" in requirement for requirement in operation.get("security", [])):
                codes.append("429")
            responses = operation.setdefault("responses", {})
            for code in sorted(codes):
                component, description = ERROR_RESPONSES[code]
                responses.setdefault(
                    code,
                    {
                        "description": description,
                        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{component}"}}},
                    },
                )
    return result
