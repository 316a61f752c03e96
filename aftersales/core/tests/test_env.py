from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from aftersales.core.env import env_bool, env_int, env_list, env_str, local_secret


def test_env_bool_refuses_typos(monkeypatch):
    monkeypatch.setenv("X_FLAG", "ture")
    with pytest.raises(ImproperlyConfigured, match="true or false"):
        env_bool("X_FLAG", False)
    monkeypatch.setenv("X_FLAG", "false")
    assert env_bool("X_FLAG", True) is False


def test_file_variant_wins(monkeypatch, tmp_path):
    secret = tmp_path / "s"
    secret.write_text("from-file\n")
    monkeypatch.setenv("X_SECRET", "from-env")
    monkeypatch.setenv("X_SECRET_FILE", str(secret))
    assert env_str("X_SECRET", "") == "from-file"


def test_int_and_list(monkeypatch):
    monkeypatch.setenv("X_INT", "12")
    monkeypatch.setenv("X_LIST", "a, b,,c")
    assert env_int("X_INT", 0) == 12
    assert env_list("X_LIST", []) == ["a", "b", "c"]
    monkeypatch.setenv("X_INT", "twelve")
    with pytest.raises(ImproperlyConfigured):
        env_int("X_INT", 0)


def test_local_secret_is_created_once_private(tmp_path):
    path = tmp_path / "k"
    first = local_secret(path)
    assert local_secret(path) == first
    assert oct(path.stat().st_mode & 0o777) == "0o600"


def _desk_language(tmp_path, value):
    import os
    import subprocess
    import sys

    env = {**os.environ, "LANGUAGE_CODE": value, "AFTERSALES_VAR_DIR": str(tmp_path), "DATABASE_URL": "",
           "DJANGO_SETTINGS_MODULE": "aftersales.settings"}  # fmt: skip
    code = "from django.conf import settings; print(settings.LANGUAGE_CODE)"
    return subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)  # noqa: S603


def test_the_desk_language_is_a_setting_and_a_wrong_one_is_refused(tmp_path):
    assert _desk_language(tmp_path, "zh-hans").stdout.strip() == "zh-hans"
    wrong = _desk_language(tmp_path, "fr")
    assert wrong.returncode != 0 and "LANGUAGE_CODE must be one of en, zh-hans, not 'fr'" in wrong.stderr
