"""The signed-in agent's settings page and language switch."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from aftersales.core.access import require_staff
from aftersales.people.actions import update_profile
from aftersales.people.forms import LanguageForm, ProfileForm


@login_required
def settings_page(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    user = request.user
    profile = getattr(user, "agent_profile", None)
    initial = {
        "display_name": profile.display_name if profile else user.get_username(),
        "language": profile.language if profile else translation.get_language(),
        "timezone": profile.timezone if profile else "Asia/Shanghai",
        "is_away": profile.is_away if profile else False,
    }
    form = ProfileForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            update_profile(user=user, actor=user, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.error_dict.items() if hasattr(exc, "error_dict") else []:
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            translation.activate(form.cleaned_data["language"])
            messages.success(request, _("Your settings are saved."))
            return redirect("people:settings")
    status = 400 if request.method == "POST" else 200
    return render(request, "people/settings.html", {"form": form, "section": "me"}, status=status)


@require_POST
@login_required
def set_language(request: HttpRequest) -> HttpResponse:
    """The user-menu switch: stores the choice on the profile so it follows the agent."""
    require_staff(request.user)
    form = LanguageForm(request.POST)
    if not form.is_valid():
        return HttpResponseBadRequest(_("Choose English or 简体中文."))
    update_profile(user=request.user, actor=request.user, language=form.cleaned_data["language"])
    target = form.cleaned_data.get("next") or ""
    if not url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        target = "/"
    response = redirect(target)
    # Also remember it in the cookie, so the sign-in page after signing out speaks the same language.
    response.set_cookie(settings.LANGUAGE_COOKIE_NAME, form.cleaned_data["language"], samesite="Lax",
                        secure=request.is_secure())
    return response
