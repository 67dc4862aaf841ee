"""Writes of the staff UI: saved filters of list pages."""

from __future__ import annotations

from django.db import transaction

from .models import SavedFilter


@transaction.atomic
def saved_filter_save(*, owner, list_key: str, name: str, query: str, shared: bool) -> SavedFilter:
    """Save (or overwrite, by name) the owner's filters of one list, privately or shared."""
    name = name.strip()[:80]
    if not name:
        raise ValueError("A saved filter needs a name")
    saved, _created = SavedFilter.objects.update_or_create(
        owner=owner, list_key=list_key[:64], name=name, defaults={"query": query[:2000], "shared": shared}
    )
    return saved


@transaction.atomic
def saved_filter_delete(*, owner, saved_filter_id: int) -> SavedFilter:
    """Delete one of the owner's saved filters; another user's (even shared) raises DoesNotExist."""
    saved = SavedFilter.objects.select_for_update().get(pk=saved_filter_id, owner=owner)
    saved.delete()
    return saved
