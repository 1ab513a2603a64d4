"""Who is calling the API, what they may do and how often: token authentication, scope
permissions and the per-token rate limit. Every refusal says why."""

from __future__ import annotations

from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions, permissions, throttling

from common.roles import Role, has_role
from integrations.models import ApiToken, seconds_left_in_minute


class TokenAuthentication(authentication.BaseAuthentication):
    """`Authorization: Bearer hf_<key id>_<secret>`. The request is made on behalf of the
    admin who created the token; `request.auth` is the ApiToken."""

    keyword = "Bearer"

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        keyword, _space, presented = header.partition(" ")
        if keyword.lower() not in ("bearer", "token"):
            return None
        return self.authenticate_token(presented.strip())

    def authenticate_token(self, presented: str):
        parts = ApiToken.split(presented)
        if parts is None:
            raise exceptions.AuthenticationFailed(
                _("Malformed API token: expected hf_<key id>_<secret>.")
            )
        key_id, secret = parts
        token = ApiToken.objects.select_related("created_by").filter(key_id=key_id).first()
        if token is None or not token.matches(secret):
            raise exceptions.AuthenticationFailed(_("Unknown API token."))
        if token.is_revoked:
            raise exceptions.AuthenticationFailed(_("This API token has been revoked."))
        token.requests_this_minute = token.record_use(now=timezone.now())
        return (token.created_by or ApiTokenUser(), token)

    def authenticate_header(self, request):
        # Makes DRF answer 401 (with WWW-Authenticate) instead of 403 to anonymous callers.
        return 'Bearer realm="api"'


class QueryTokenAuthentication(TokenAuthentication):
    """`?token=…` for webhook senders that cannot set headers (Typeform, many others)."""

    def authenticate(self, request):
        presented = request.query_params.get("token")
        if not presented:
            return super().authenticate(request)
        return self.authenticate_token(presented)


class ApiTokenUser:
    """Stands in for a token whose creator was deleted: authenticated, holds no roles."""

    is_authenticated = True
    is_active = True
    is_anonymous = False
    is_staff = False
    is_superuser = False
    pk = id = None
    username = "api-token"


class HasScope(permissions.BasePermission):
    """A token needs the view's scope; a browser user (session) needs one of the view's
    roles. Subclasses name the scope and the roles."""

    scope: str = ""
    roles: tuple[str, ...] = ()

    def has_permission(self, request, view):
        if not request.user or not request.user.is_authenticated:
            return False
        if isinstance(request.auth, ApiToken):
            if request.auth.has_scope(self.scope):
                return True
            self.message = _('This API token lacks the "%(scope)s" scope.') % {"scope": self.scope}
            return False
        if has_role(request.user, *self.roles):
            return True
        self.message = _("Your role does not allow this.")
        return False


class CanIngest(HasScope):
    scope = ApiToken.Scope.INGEST
    roles = (Role.REVOPS_ADMIN,)


class CanRead(HasScope):
    scope = ApiToken.Scope.READ
    roles = tuple(Role.values)


class TokenRateThrottle(throttling.BaseThrottle):
    """At most `requests_per_minute` per token per clock minute, counted in the database by
    TokenAuthentication. Browser sessions are not limited here."""

    def allow_request(self, request, view):
        token = request.auth
        if not isinstance(token, ApiToken):
            return True
        return token.requests_this_minute <= token.requests_per_minute

    def wait(self):
        return seconds_left_in_minute(timezone.now())
