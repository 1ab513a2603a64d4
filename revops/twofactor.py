"""The optional second factor: a time-based one-time code (TOTP, django-otp) from an
authenticator app.

Whether a login needs one is decided once, when the password was right: the user has set one
up, or REQUIRE_2FA_FOR_ADMINS is on and the user is a RevOps admin. The answer sits in the
session until the code is given, so a person without a second factor costs no query per page.
"""

from base64 import b32encode

import django_otp
import segno
from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import SESSION_KEY
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_otp.plugins.otp_totp.models import TOTPDevice

from common.roles import Role, has_role

# What the session still needs before any page opens: SET_UP or VERIFY.
PENDING = "handoff_second_factor"
SET_UP = "set_up"
VERIFY = "verify"
# The pages a person with a pending second factor can still open.
OPEN_WHILE_PENDING = {"two_factor", "two_factor_verify", "logout", "set_language"}


def is_required(user) -> bool:
    return settings.REQUIRE_2FA_FOR_ADMINS and has_role(user, Role.REVOPS_ADMIN)


def confirmed_device(user) -> TOTPDevice | None:
    return TOTPDevice.objects.filter(user=user, confirmed=True).first()


def ask_at_login(sender, request, user, **kwargs):
    """user_logged_in receiver: the password was right; does the session still need a code?"""
    if request is None or not hasattr(request, "session"):
        return
    if TOTPDevice.objects.filter(user=user, confirmed=True).exists():
        request.session[PENDING] = VERIFY
    elif is_required(user):
        request.session[PENDING] = SET_UP


class SecondFactorMiddleware:
    """Until the code is given, every page but the second factor's own sends the person there."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_view(self, request, view_func, view_args, view_kwargs):
        pending = request.session.get(PENDING)
        if not pending or SESSION_KEY not in request.session:
            return None
        if request.resolver_match and request.resolver_match.view_name in OPEN_WHILE_PENDING:
            return None
        target = reverse("two_factor_verify" if pending == VERIFY else "two_factor")
        return redirect(f"{target}?next={request.get_full_path()}")


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from your authenticator app"),
        max_length=8,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "autofocus": True}),
    )

    def __init__(self, *args, device: TOTPDevice, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = device

    def clean_code(self):
        code = self.cleaned_data["code"].replace(" ", "")
        allowed, _details = self.device.verify_is_allowed()
        if not allowed:
            raise forms.ValidationError(_("Too many wrong codes. Wait a moment and try again."))
        if not self.device.verify_token(code):
            raise forms.ValidationError(_("This code is not right, or it has expired. Try the current one."))
        return code


def next_page(request) -> str:
    target = request.POST.get("next") or request.GET.get("next", "")
    if url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        return target
    return reverse("home")


def verified(request, device: TOTPDevice):
    django_otp.login(request, device)
    request.session.pop(PENDING, None)
    return redirect(next_page(request))


@login_required
def two_factor(request):
    """Set up the second factor, or see and switch off the one you have."""
    device = confirmed_device(request.user)
    if device is not None:
        return two_factor_active(request, device)
    device, _created = TOTPDevice.objects.get_or_create(
        user=request.user, confirmed=False, defaults={"name": "Handoff"}
    )
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        messages.success(request, _("Two-step login is on. From now on Handoff asks for a code after your password."))
        return verified(request, device)
    uri = device.config_url
    return render(
        request,
        "registration/two_factor_setup.html",
        {
            "form": form,
            "uri": uri,
            "secret": " ".join(chunks(b32encode(device.bin_key).decode(), 4)),
            "qr": segno.make(uri, error="m").svg_data_uri(scale=4, border=2),
            "required": is_required(request.user),
            "next": request.GET.get("next", ""),
        },
    )


def two_factor_active(request, device: TOTPDevice):
    required = is_required(request.user)
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and not required and form.is_valid():
        TOTPDevice.objects.filter(user=request.user).delete()
        messages.success(request, _("Two-step login is off."))
        return redirect("two_factor")
    return render(request, "registration/two_factor_active.html", {"form": form, "required": required})


@login_required
def two_factor_verify(request):
    """The code after the password."""
    device = confirmed_device(request.user)
    if device is None:
        return redirect("two_factor")
    form = CodeForm(request.POST or None, device=device)
    if request.method == "POST" and form.is_valid():
        return verified(request, device)
    return render(request, "registration/two_factor_verify.html", {"form": form, "next": request.GET.get("next", "")})


def chunks(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]
