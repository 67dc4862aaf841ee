"""Writes about staff: role groups, staff users and their profiles."""

from __future__ import annotations

from django.apps import apps as global_apps
from django.contrib.auth import get_user_model
from django.contrib.auth.management import create_permissions
from django.db import transaction

from .roles import PROVINCE_ROLES, ROLE_PERMISSIONS, Role, group_name


def sync_role_groups(apps=global_apps) -> None:
    """Create or update one Django group per role with exactly the permissions roles.py gives it."""
    accounts_config = apps.get_app_config("accounts")
    if getattr(accounts_config, "models_module", None) is None:
        accounts_config.models_module = True  # historical app registry: let create_permissions run
    create_permissions(accounts_config, verbosity=0, apps=apps)
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    perms = {p.codename: p for p in Permission.objects.filter(content_type__app_label="accounts")}
    for role in Role:
        group, _created = Group.objects.get_or_create(name=group_name(role))
        wanted = [perms[codename] for codename in sorted(ROLE_PERMISSIONS[role]) if codename in perms]
        group.permissions.set(wanted)


def role_group(role: str):
    """The role's group, re-created from roles.py if something (a flush, a hand edit) removed it."""
    from django.contrib.auth.models import Group

    group = Group.objects.filter(name=group_name(role)).first()
    if group is None:
        sync_role_groups()
        group = Group.objects.get(name=group_name(role))
    return group


def sync_role_groups_after_migrate(sender, **kwargs) -> None:
    sync_role_groups(kwargs.get("apps") or global_apps)


@transaction.atomic
def staff_user_create(
    *,
    username: str,
    password: str | None,
    role: str,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    region=None,
    grid=None,
    org_unit=None,
    employee_no: str | None = None,
):
    """Create a staff user with a profile and the role's group (admins also get Django admin access)."""

    from .models import StaffProfile

    if role not in Role.values:
        raise ValueError(f"Unknown role {role!r}")
    if region is None and role not in PROVINCE_ROLES:
        raise ValueError(f"A {role} needs a region")
    User = get_user_model()
    user = User(username=username, first_name=first_name, last_name=last_name, email=email)
    user.is_staff = role == Role.ADMIN
    user.is_superuser = role == Role.ADMIN
    if password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    StaffProfile.objects.create(
        user=user, role=role, region=region, grid=grid, org_unit=org_unit, employee_no=employee_no
    )
    user.groups.add(role_group(role))
    return user


@transaction.atomic
def staff_role_change(*, user, role: str) -> None:
    """Move a staff member to another role, swapping the role group."""
    from django.contrib.auth.models import Group

    profile = user.staff_profile
    user.groups.remove(*Group.objects.filter(name=group_name(profile.role)))
    profile.role = role
    profile.full_clean()
    profile.save(update_fields=["role"])
    user.groups.add(role_group(role))
