"""The second-factor pages: set up / manage (``/me/two-factor/``) and the sign-in step (``…/verify/``)."""

from __future__ import annotations

from django import forms
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aftersales.core.access import require_staff
from aftersales.people import twofactor
from aftersales.people.models import SecurityPolicy

PENDING_KEY = "two_factor_pending_secret"


class CodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code"),
        max_length=40,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
        help_text=gettext_lazy("The 6 digits your authenticator app shows now, or one of your recovery codes."),
    )


class AppCodeForm(forms.Form):
    code = forms.CharField(
        label=gettext_lazy("Code from the app"),
        max_length=12,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "numeric"}),
    )


def _next_url(request: HttpRequest) -> str:
    target = request.POST.get("next") or request.GET.get("next") or "/"
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return "/"
    return target


@login_required
def manage(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    user = request.user
    state = twofactor.status(request)
    if state.enrolled and not state.verified:
        return redirect("people:two_factor_verify")
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form = AppCodeForm(request.POST or None)
    if not state.enrolled:
        secret = request.session.get(PENDING_KEY) or twofactor.new_secret()
        request.session[PENDING_KEY] = secret
        if action == "enrol" and form.is_valid():
            codes = twofactor.enrol(user=user, secret=secret, code=form.cleaned_data["code"])
            if codes is not None:
                request.session.pop(PENDING_KEY, None)
                twofactor.mark(request, enrolled=True, verified=True)
                return render(request, "people/two_factor_codes.html",
                              {"codes": codes, "next": _next_url(request), "section": "me"})
            form.add_error("code", _("That code is not right. Check the phone's time and try the newest code."))
        uri = twofactor.provisioning_uri(user, secret)
        return render(request, "people/two_factor_setup.html", {
            "form": form, "secret": secret, "uri": uri, "qr": twofactor.qr_svg(uri), "required": state.required,
            "next": _next_url(request), "section": "me",
        }, status=400 if request.method == "POST" else 200)
    if action in ("codes", "disable") and form.is_valid():
        if not twofactor.check_totp(user, form.cleaned_data["code"]):
            form.add_error("code", _("That code is not right. Check the phone's time and try the newest code."))
        elif action == "codes":
            codes = twofactor.regenerate_codes(user=user)
            return render(request, "people/two_factor_codes.html", {"codes": codes, "next": "", "section": "me"})
        elif SecurityPolicy.current().require_two_factor:
            form.add_error("code", _("This desk requires a second factor for all staff; it cannot be turned off."))
        else:
            twofactor.disable(user=user, actor=user)
            twofactor.mark(request, enrolled=False, verified=False)
            messages.success(request, _("Your authenticator app is removed; sign-in asks for the password only."))
            return redirect("people:two_factor")
    return render(request, "people/two_factor_manage.html", {
        "form": form, "unused": twofactor.unused_codes(user), "required": state.required, "section": "me",
    }, status=400 if request.method == "POST" else 200)


@login_required
def verify(request: HttpRequest) -> HttpResponse:
    state = twofactor.status(request)
    if not state.enrolled or state.verified:
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if twofactor.verify(request.user, form.cleaned_data["code"]):
            twofactor.mark(request, verified=True, failures=0)
            request.session.cycle_key()
            return redirect(_next_url(request))
        failures = int(twofactor.session_state(request).get("failures", 0)) + 1
        if failures >= twofactor.max_failures():
            logout(request)
            messages.error(request, _("Too many wrong codes. Sign in again."))
            return redirect("core:login")
        twofactor.mark(request, failures=failures)
        form.add_error("code", _("That code is not right, or it was used already."))
    return render(request, "people/two_factor_verify.html", {"form": form, "next": _next_url(request)},
                  status=400 if request.method == "POST" else 200)
