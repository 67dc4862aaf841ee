"""The staff principal: a staff user's profile (role, region, grid, outlet) and permission set, kept in the cache
between requests.

Every staff request needs both, and reading them took three of a lookup's five queries (the profile, the user's and
the groups' permissions), a fifth of its time. The user row itself is still read on every request (the session checks
the password hash against it, and ``is_active`` is taken from it), so a deactivation or a password change takes
effect on the next request as before.

The cached entry is invalidated when what it holds changes, through signals: a profile saved or deleted, a user
saved, group memberships, user and group permissions, a group deleted, a region, grid or outlet renamed. Invalidation
gives the user a new version (at once and again after the transaction commits), and an entry read under an older
version is recomputed, so a request that read the old data while the change was being committed cannot put it back
for later requests. ``PRINCIPAL_TTL`` bounds what a write bypassing signals (``QuerySet.update``) leaves stale.
With Redis down every request reads the data again (crm/cache.py), as it did before.

Staff sessions only (the authentication backend's ``get_user``): an API token's request is checked against the token's
scopes and reads its client's profile only when a view needs it, so attaching both on a miss would cost it queries.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable

from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend
from django.contrib.auth.models import Group, Permission
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import Q
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_delete

from .models import Grid, OrgUnit, Region, StaffProfile
from .selectors import staff_profile_read

PRINCIPAL_TTL = 300  # seconds
VERSION_TTL = 24 * 3600  # longer than any entry lives, so an expired version never matches a live entry


def _keys(user_id: int) -> tuple[str, str]:
    # The database's name keeps apart two CRMs (or two test databases) sharing one Redis.
    prefix = f"crm:principal:{connection.settings_dict['NAME']}:{user_id}"
    return f"{prefix}:version", f"{prefix}:entry"


def principal_attach(user) -> None:
    """Give ``user`` (its row just read) its staff profile and permissions, from the cache or read and cached.

    What this sets is where ``staff_profile()`` and Django's ``ModelBackend`` look first, so neither queries again.
    """
    if user is None or not user.is_active:
        return  # an inactive user has no permissions and sees nothing; nothing to cache
    version_key, entry_key = _keys(user.pk)
    found = cache.get_many([version_key, entry_key])
    version, entry = found.get(version_key), found.get(entry_key)
    # The same user id may be another user after a database was made again: the join time tells them apart.
    if entry is None or (entry["version"], entry["joined"], entry["superuser"]) != (
        version,
        user.date_joined,
        user.is_superuser,
    ):
        entry = _principal_read(user, version)
        cache.set(entry_key, entry, PRINCIPAL_TTL)
    user._staff_profile_cache = entry["profile"]
    user._user_perm_cache = entry["user_perms"]
    user._group_perm_cache = entry["group_perms"]
    user._perm_cache = entry["user_perms"] | entry["group_perms"]


def _principal_read(user, version: str | None) -> dict:
    backend = ModelBackend()
    profile = staff_profile_read(user.pk)
    return {
        "version": version,
        "joined": user.date_joined,
        "superuser": user.is_superuser,
        "profile": profile,
        "user_perms": set(backend.get_user_permissions(user)),
        "group_perms": set(backend.get_group_permissions(user)),
    }


def principal_invalidate(user_ids: Iterable[int]) -> None:
    """Make these users' cached principals stale, now and once the current transaction commits."""
    ids = {int(i) for i in user_ids if i is not None}
    if not ids:
        return

    def bump() -> None:
        cache.set_many({_keys(i)[0]: uuid.uuid4().hex for i in ids}, VERSION_TTL)

    bump()
    transaction.on_commit(bump)


def _users_of_groups(group_ids: Iterable[int]) -> list[int]:
    memberships = get_user_model().groups.through.objects.filter(group_id__in=list(group_ids))
    return list(memberships.values_list("user_id", flat=True))


def _users_with_permissions(permission_ids: Iterable[int]) -> list[int]:
    ids = list(permission_ids)
    User = get_user_model()
    direct = User.user_permissions.through.objects.filter(permission_id__in=ids).values_list("user_id", flat=True)
    groups = Group.permissions.through.objects.filter(permission_id__in=ids).values_list("group_id", flat=True)
    return [*direct, *_users_of_groups(groups)]


def _on_profile_change(sender, instance, **kwargs) -> None:
    principal_invalidate([instance.user_id])


def _on_user_saved(sender, instance, **kwargs) -> None:
    principal_invalidate([instance.pk])


def _on_user_m2m(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    """A user's groups or own permissions changed (from either side of the relation)."""
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        principal_invalidate([instance.pk])
    elif isinstance(instance, Group):
        principal_invalidate([*(pk_set or ()), *_users_of_groups([instance.pk])])
    else:  # a permission given to or taken from users
        principal_invalidate([*(pk_set or ()), *_users_with_permissions([instance.pk])])


def _on_group_permissions(sender, instance, action, reverse, pk_set, **kwargs) -> None:
    if action not in ("post_add", "post_remove", "pre_clear"):
        return
    if not reverse:
        principal_invalidate(_users_of_groups([instance.pk]))
    else:  # a permission given to or taken from groups
        principal_invalidate([*_users_of_groups(pk_set or ()), *_users_with_permissions([instance.pk])])


def _on_group_deleted(sender, instance, **kwargs) -> None:
    principal_invalidate(_users_of_groups([instance.pk]))


def _on_permission_deleted(sender, instance, **kwargs) -> None:
    principal_invalidate(_users_with_permissions([instance.pk]))


def _on_organisation_saved(sender, instance, **kwargs) -> None:
    """A region, grid or outlet renamed: the profiles pointing at it carry the old one."""
    field = {Region: "region", Grid: "grid", OrgUnit: "org_unit"}[sender]
    principal_invalidate(StaffProfile.objects.filter(Q(**{field: instance})).values_list("user_id", flat=True))


def connect_signals() -> None:
    User = get_user_model()
    uid = "crm.accounts.principal"
    for signal in (post_save, post_delete):
        signal.connect(_on_profile_change, sender=StaffProfile, dispatch_uid=f"{uid}.profile")
    post_save.connect(_on_user_saved, sender=User, dispatch_uid=f"{uid}.user")
    m2m_changed.connect(_on_user_m2m, sender=User.groups.through, dispatch_uid=f"{uid}.groups")
    m2m_changed.connect(_on_user_m2m, sender=User.user_permissions.through, dispatch_uid=f"{uid}.user_permissions")
    m2m_changed.connect(_on_group_permissions, sender=Group.permissions.through, dispatch_uid=f"{uid}.group_perms")
    pre_delete.connect(_on_group_deleted, sender=Group, dispatch_uid=f"{uid}.group_deleted")
    pre_delete.connect(_on_permission_deleted, sender=Permission, dispatch_uid=f"{uid}.permission_deleted")
    for model in (Region, Grid, OrgUnit):
        post_save.connect(_on_organisation_saved, sender=model, dispatch_uid=f"{uid}.{model._meta.model_name}")
