"""The production profile passes ``check --deploy`` with no warning, and pages carry the security headers."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

ROOT = Path(__file__).resolve().parents[1]

PRODUCTION = {
    "DEBUG": "false",
    "ALLOWED_HOSTS": "desk.example.test",
    "SITE_URL": "https://desk.example.test",
    "CSRF_TRUSTED_ORIGINS": "https://desk.example.test",
    "SECURE_SSL_REDIRECT": "true",
    "SECURE_HSTS_SECONDS": "31536000",
    "SECURE_HSTS_PRELOAD": "true",
}


def _check(tmp_path: Path, **extra: str) -> subprocess.CompletedProcess[str]:
    dropped = ("DEBUG", "SITE_URL", "SECRET_KEY", "DJANGO_SETTINGS_MODULE")
    env = {k: v for k, v in os.environ.items() if k not in dropped}
    env.update(PRODUCTION, SECRET_KEY=secrets.token_urlsafe(60), AFTERSALES_VAR_DIR=str(tmp_path),
               PYTHONPATH=str(ROOT), DATABASE_URL="", **extra)
    return subprocess.run(
        [sys.executable, "-m", "aftersales", "check", "--deploy", "--fail-level", "WARNING"],
        env=env, cwd=ROOT, capture_output=True, text=True, timeout=120, check=False,
    )


def test_production_profile_is_clean(tmp_path: Path) -> None:
    result = _check(tmp_path)
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_a_profile_without_tls_settings_fails(tmp_path: Path) -> None:
    result = _check(tmp_path, SECURE_SSL_REDIRECT="false", SECURE_HSTS_SECONDS="0")
    assert result.returncode != 0
    assert "security.W008" in result.stderr and "security.W004" in result.stderr


PAGES = ["/login/", "/portal/", "/tickets/", "/api/v1/docs"]


@pytest.mark.django_db
@pytest.mark.parametrize("path", PAGES)
def test_security_headers_on_pages(path: str, personas: Any) -> None:
    client = Client()
    client.force_login(personas.agent)
    response = client.get(path, follow=False)
    assert response.status_code in (200, 302)
    csp = response["Content-Security-Policy"]
    assert "default-src 'self'" in csp and "frame-ancestors 'none'" in csp and "object-src 'none'" in csp
    assert response["X-Frame-Options"] == "DENY"
    assert response["Referrer-Policy"] == "same-origin"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert "Strict-Transport-Security" not in response  # plain HTTP: no HSTS


@pytest.mark.django_db
def test_hsts_and_redirect_when_behind_tls(client: Client, settings: Any) -> None:
    settings.SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    settings.SECURE_SSL_REDIRECT = True
    settings.SECURE_HSTS_SECONDS = 31536000
    settings.SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    plain = client.get("/login/")
    assert plain.status_code == 301 and plain["Location"].startswith("https://")
    secure = client.get("/login/", HTTP_X_FORWARDED_PROTO="https")
    assert secure.status_code == 200
    assert secure["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
