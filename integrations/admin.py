from django.contrib import admin, messages
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from integrations.models import ApiToken, Erasure, Suppression


@admin.register(ApiToken)
class ApiTokenAdmin(admin.ModelAdmin):
    list_display = ["name", "source_system", "scope_list", "last_used_at", "is_active", "created_at", "key_id"]
    list_filter = ["can_ingest", "can_read", "revoked_at"]
    search_fields = ["name", "source_system", "key_id"]
    actions = ["revoke"]
    fields = ["name", "source_system", "can_ingest", "can_read", "requests_per_minute", "typeform_signing_secret", "key_id", "created_at", "created_by", "last_used_at", "revoked_at"]
    readonly_fields = ["key_id", "created_at", "created_by", "last_used_at", "revoked_at"]

    @admin.display(description=_("scopes"))
    def scope_list(self, token):
        return ", ".join(token.scopes) or "—"

    @admin.display(description=_("active"), boolean=True)
    def is_active(self, token):
        return not token.is_revoked

    def get_readonly_fields(self, request, obj=None):
        # The integration's name for its leads cannot change once leads arrived under it.
        if obj is not None:
            return [*self.readonly_fields, "source_system"]
        return self.readonly_fields

    def save_model(self, request, obj, form, change):
        if not change:
            obj.created_by = request.user
            obj._plain_token = obj.generate_secret()
        super().save_model(request, obj, form, change)

    def response_add(self, request, obj, post_url_continue=None):
        """Show the new token on a page of its own, once; only its hash is stored."""
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "token": obj,
            "plain_token": obj._plain_token,
            "title": _("Copy the new API token"),
        }
        return TemplateResponse(request, "admin/integrations/apitoken/issued.html", context)

    @admin.action(description=_("Revoke selected tokens"))
    def revoke(self, request, queryset):
        now = timezone.now()
        count = queryset.filter(revoked_at__isnull=True).update(revoked_at=now)
        self.message_user(
            request,
            ngettext("%(count)d token revoked.", "%(count)d tokens revoked.", count) % {"count": count},
            messages.SUCCESS,
        )


class ReadOnlyAdmin(admin.ModelAdmin):
    """A record, not for editing: erasures are made on the personal-data page."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Erasure)
class ErasureAdmin(ReadOnlyAdmin):
    list_display = ["erased_at", "reason", "erased_by", "reference", "lead_count"]
    list_filter = ["reason"]
    search_fields = ["reference"]
    fields = ["reason", "erased_at", "erased_by", "reference", "untouched_since", "lead_count", "counts"]


@admin.register(Suppression)
class SuppressionAdmin(ReadOnlyAdmin):
    list_display = ["digest", "kind", "created_at", "erasure"]
    list_filter = ["kind"]
    search_fields = ["digest"]
    fields = ["kind", "digest", "created_at", "erasure"]
