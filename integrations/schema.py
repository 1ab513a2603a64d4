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
