"""Sign in and out, and the home page (the queue). Other apps render their own pages."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.contrib.auth.views import LoginView, LogoutView
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect

from aftersales.core.access import require_staff


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The queue is the home page; people without a desk role get the 403 page, never agent pages."""
    require_staff(request.user)
    return redirect("tickets:queue")


class SignInView(LoginView):
    template_name = "core/login.html"
    redirect_authenticated_user = True


class SignOutView(LogoutView):
    """POST only (Django's LogoutView refuses GET)."""
