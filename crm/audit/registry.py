"""Automatic audit of model writes: every save or delete of a registered model becomes an AuditEntry.

Signals are used here only for audit, as STYLE.md allows. Bulk paths (bulk_create, QuerySet.update,
COPY) bypass signals: services that use them call ``services.audit_record`` themselves.
"""

from __future__ import annotations

from django.db import models
from django.db.models.signals import post_delete, post_save, pre_save

from .models import AuditEntry
from .services import audit_record, diff, field_values

_registry: dict[type[models.Model], tuple[str, ...]] = {}
_BEFORE_ATTR = "_audit_before"


def register(model: type[models.Model], *, exclude: tuple[str, ...] = ()) -> type[models.Model]:
    """Audit every write of ``model`` (usable as a decorator); ``exclude`` names fields left out of diffs.

    The delete signal is connected for the registered models only: a listener for every model would make Django
    fetch each row of any other model's QuerySet.delete() to send it (a re-scored month's 91,000 churn scores
    were read into objects before they were deleted)."""
    _registry[model] = tuple(exclude)
    post_delete.connect(_on_post_delete, sender=model, dispatch_uid=f"crm.audit.post_delete.{model._meta.label}")
    return model


def is_registered(model: type[models.Model]) -> bool:
    return model in _registry


def _on_pre_save(sender, instance, raw=False, **kwargs) -> None:
    if raw or sender not in _registry or instance.pk is None or instance._state.adding:
        return
    try:
        old = sender._base_manager.get(pk=instance.pk)
    except sender.DoesNotExist:
        return
    setattr(instance, _BEFORE_ATTR, field_values(old, _registry[sender]))


def _on_post_save(sender, instance, created, raw=False, **kwargs) -> None:
    if raw or sender not in _registry:
        return
    after = field_values(instance, _registry[sender])
    before = None if created else getattr(instance, _BEFORE_ATTR, None)
    changes = diff(before, after)
    if not created and not changes:
        return
    audit_record(
        action=AuditEntry.Action.CREATE if created else AuditEntry.Action.UPDATE, obj=instance, changes=changes
    )
    setattr(instance, _BEFORE_ATTR, after)


def _on_post_delete(sender, instance, **kwargs) -> None:
    if sender not in _registry:
        return
    audit_record(
        action=AuditEntry.Action.DELETE, obj=instance, changes=diff(field_values(instance, _registry[sender]), None)
    )


def connect_signals() -> None:
    pre_save.connect(_on_pre_save, dispatch_uid="crm.audit.pre_save")
    post_save.connect(_on_post_save, dispatch_uid="crm.audit.post_save")
