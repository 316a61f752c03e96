"""Sign in and out, and the home page (the queue). Other apps render their own pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from aftersales.core.access import is_staff_member, require_staff


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The queue is the home page. A customer contact who signed in here is sent to the portal
    (``portal_contact`` is the portal's link to a login; core names it without importing the app);
    anyone else without a desk role gets the 403 page, never agent pages."""
    if not is_staff_member(request.user) and getattr(request.user, "portal_contact", None) is not None:
        return redirect("portal:tickets")
    require_staff(request.user)
    return redirect("tickets:queue")


class SignInView(LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class SignOutView(LogoutView):
    """POST only (Django's LogoutView refuses GET)."""
