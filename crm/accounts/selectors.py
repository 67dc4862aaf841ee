"""Reads about staff, and the one rule every app uses for "what may this user see"."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from .models import OrgUnit, Region, StaffProfile
from .roles import PROVINCE_ROLES, ROLE_API_SCOPES, Role


@dataclass(frozen=True)
class VisibilityScope:
    """What part of the province a user sees: everything, one region, or one grid inside a region."""

    all_regions: bool
    region_id: int | None = None
    grid_id: int | None = None
    nothing: bool = False

    def filter(
        self, queryset: QuerySet, *, region_lookup: str = "region_id", grid_lookup: str | None = None
    ) -> QuerySet:
        """Narrow ``queryset`` to this scope; ``grid_lookup`` also narrows grid-bound staff to their grid."""
        if self.nothing:
            return queryset.none()
        if self.all_regions:
            return queryset
        condition = Q(**{region_lookup: self.region_id})
        if grid_lookup and self.grid_id is not None:
            condition &= Q(**{grid_lookup: self.grid_id})
        return queryset.filter(condition)

    def allows_region(self, region_id: int | None) -> bool:
        if self.nothing:
            return False
        return self.all_regions or (region_id is not None and region_id == self.region_id)


def staff_profile(user: AbstractBaseUser | AnonymousUser) -> StaffProfile | None:
    if not getattr(user, "is_authenticated", False):
        return None
    cached = getattr(user, "_staff_profile_cache", False)
    if cached is not False:
        return cached
    profile = staff_profile_read(user.pk)
    user._staff_profile_cache = profile
    return profile


def staff_profile_read(user_id: int) -> StaffProfile | None:
    """The profile with what pages show of it (region, grid, outlet); the principal cache keeps the same read."""
    return StaffProfile.objects.select_related("region", "grid", "org_unit").filter(user_id=user_id).first()


def user_role(user: AbstractBaseUser | AnonymousUser) -> str | None:
    profile = staff_profile(user)
    if profile is not None:
        return profile.role
    if getattr(user, "is_superuser", False):
        return Role.ADMIN
    return None


def visibility_scope(user: AbstractBaseUser | AnonymousUser) -> VisibilityScope:
    """What this user may see: own region (and grid); province-level roles and superusers see all."""
    if getattr(user, "is_superuser", False):
        return VisibilityScope(all_regions=True)
    profile = staff_profile(user)
    if profile is None or not user.is_active:
        return VisibilityScope(all_regions=False, nothing=True)
    if profile.region_id is None and profile.role in PROVINCE_ROLES:
        return VisibilityScope(all_regions=True)
    return VisibilityScope(all_regions=False, region_id=profile.region_id, grid_id=profile.grid_id)


def role_api_scopes(user: AbstractBaseUser | AnonymousUser) -> frozenset[str]:
    """The API scopes a staff member's browser session carries, from their role."""
    from crm.api.scopes import expand

    role = user_role(user)
    return expand(ROLE_API_SCOPES.get(role, set())) if role else frozenset()


def regions_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[Region]:
    return visibility_scope(user).filter(Region.objects.all(), region_lookup="id")


def org_units_visible_to(user: AbstractBaseUser | AnonymousUser) -> QuerySet[OrgUnit]:
    return visibility_scope(user).filter(OrgUnit.objects.select_related("region", "grid"))


def scoped_region(user: AbstractBaseUser | AnonymousUser) -> Region | None:
    """The one region a regional user's pages are limited to; None for province-level staff (they choose)."""
    scope = visibility_scope(user)
    if scope.all_regions or scope.nothing:
        return None
    profile = staff_profile(user)
    return profile.region if profile else None
