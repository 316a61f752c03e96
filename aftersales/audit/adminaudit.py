"""Changes made in Django's admin (mailboxes, vendor accounts, users and groups, teams …) are
audited like the desk's own actions: who, from where, and the values before and after.

``install`` wraps ``ModelAdmin``'s save and delete hooks once, for every model admin; the entry
is written inside the admin's own transaction. Secret values never reach the log: encrypted
fields, password hashes and fields named like secrets show only whether they changed.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from typing import Any

from django.contrib import admin
from django.db import models
from django.http import HttpRequest

from aftersales.audit.log import build, record
from aftersales.audit.models import AuditEntry
from aftersales.core.fields import EncryptedTextField

SECRET_WORDS = ("password", "secret", "token", "api_key", "apikey", "private")
HIDDEN = "[hidden]"
_BEFORE = "_aftersales_audit_before"


def _is_secret(field: models.Field[Any, Any]) -> bool:
    return isinstance(field, EncryptedTextField) or any(word in field.name.lower() for word in SECRET_WORDS)


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, dt.datetime | dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, list | tuple | set):
        return [_plain(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _plain(item) for key, item in value.items()}
    if isinstance(value, models.Model):
        return value.pk
    return str(value)


def snapshot(instance: models.Model | None) -> dict[str, Any]:
    """The instance's field values (many-to-many as sorted ids), secrets hidden."""
    if instance is None:
        return {}
    values: dict[str, Any] = {}
    for field in instance._meta.concrete_fields:
        value = getattr(instance, field.attname)
        values[field.name] = (HIDDEN if value else "") if _is_secret(field) else _plain(value)
    if instance.pk is not None:
        for field in instance._meta.many_to_many:
            values[field.name] = sorted(getattr(instance, field.name).values_list("pk", flat=True))
    return values


def _changed(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    keys = [key for key in after if before.get(key) != after.get(key)]
    return {key: before.get(key) for key in keys}, {key: after[key] for key in keys}


def _action(instance: models.Model, verb: str) -> str:
    return f"admin.{instance._meta.label_lower}.{verb}"


def install() -> None:
    if getattr(admin.ModelAdmin, "_aftersales_audited", False):
        return
    save_model = admin.ModelAdmin.save_model
    save_related = admin.ModelAdmin.save_related
    delete_model = admin.ModelAdmin.delete_model
    delete_queryset = admin.ModelAdmin.delete_queryset

    def audited_save_model(self: admin.ModelAdmin[Any], request: HttpRequest, obj: Any, form: Any,
                           change: bool) -> None:
        if not isinstance(obj, AuditEntry):
            stored = type(obj)._default_manager.filter(pk=obj.pk).first() if change and obj.pk else None
            setattr(request, _BEFORE, snapshot(stored))
        save_model(self, request, obj, form, change)

    def audited_save_related(self: admin.ModelAdmin[Any], request: HttpRequest, form: Any, formsets: Any,
                             change: bool) -> None:
        save_related(self, request, form, formsets, change)
        instance = form.instance
        if isinstance(instance, AuditEntry) or not hasattr(request, _BEFORE):
            return
        before_all = getattr(request, _BEFORE)
        delattr(request, _BEFORE)
        after_all = snapshot(instance)
        before, after = _changed(before_all, after_all) if change else ({}, after_all)
        if change and not after:
            return  # saved without a change
        record(actor=request.user, action=_action(instance, "update" if change else "create"), obj=instance,
               before=before, after=after)

    def audited_delete_model(self: admin.ModelAdmin[Any], request: HttpRequest, obj: Any) -> None:
        entry = build(actor=request.user, action=_action(obj, "delete"), obj=obj, before=snapshot(obj))
        delete_model(self, request, obj)
        entry.save(force_insert=True)

    def audited_delete_queryset(self: admin.ModelAdmin[Any], request: HttpRequest, queryset: Any) -> None:
        entries = [build(actor=request.user, action=_action(obj, "delete"), obj=obj, before=snapshot(obj))
                   for obj in queryset]
        delete_queryset(self, request, queryset)
        for entry in entries:
            entry.save(force_insert=True)

    admin.ModelAdmin.save_model = audited_save_model  # type: ignore[method-assign]
    admin.ModelAdmin.save_related = audited_save_related  # type: ignore[method-assign]
    admin.ModelAdmin.delete_model = audited_delete_model  # type: ignore[method-assign]
    admin.ModelAdmin.delete_queryset = audited_delete_queryset  # type: ignore[method-assign]
    admin.ModelAdmin._aftersales_audited = True  # type: ignore[attr-defined]
