"""Global search: providers registered by apps, each answering within the user's visibility scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from django.db.models import Q
from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from crm.accounts.models import StaffProfile
from crm.accounts.selectors import org_units_visible_to, visibility_scope

MIN_QUERY = 2
PER_PROVIDER = 8


@dataclass(frozen=True)
class SearchHit:
    title: str
    subtitle: str
    url: str


@dataclass(frozen=True)
class SearchProvider:
    key: str
    label: str | Promise
    search: Callable[[object, str, int], list[SearchHit]]  # (user, query, limit) -> hits
    permission: str | None = None
    order: int = 100
    # Whether a query is shaped like an identifier only this provider has (a mobile or ID-card number): then the
    # other providers are not asked, since none of their records can carry it.
    owns: Callable[[str], bool] | None = None


_providers: dict[str, SearchProvider] = {}


def register(provider: SearchProvider) -> SearchProvider:
    _providers[provider.key] = provider
    return provider


def search_all(user, query: str) -> list[tuple[SearchProvider, list[SearchHit]]]:
    query = query.strip()
    if len(query) < MIN_QUERY:
        return []
    providers = [
        p
        for p in sorted(_providers.values(), key=lambda p: (p.order, p.key))
        if not p.permission or user.has_perm(p.permission)
    ]
    owners = [p for p in providers if p.owns is not None and p.owns(query)]
    results = []
    for provider in owners or providers:
        hits = provider.search(user, query, PER_PROVIDER)
        if hits:
            results.append((provider, hits))
    return results


def _search_staff(user, query: str, limit: int) -> list[SearchHit]:
    profiles = visibility_scope(user).filter(
        StaffProfile.objects.select_related("user", "region", "org_unit").exclude(role="api_client")
    )
    full_name = (
        Q(user__last_name__startswith=query[:1], user__first_name__startswith=query[1:]) if len(query) > 1 else Q()
    )
    profiles = profiles.filter(
        Q(user__username__icontains=query)
        | Q(employee_no__iexact=query)
        | Q(user__first_name__contains=query)
        | full_name
    ).order_by("user__username")[:limit]
    admin_url = reverse("admin:auth_user_changelist")
    return [
        SearchHit(
            title=f"{p.user.last_name}{p.user.first_name} ({p.user.username})",
            subtitle=" · ".join(
                str(x) for x in (p.get_role_display(), p.region or _("Province"), p.org_unit or "") if x
            ),
            url=f"{admin_url}{p.user_id}/change/" if user.is_staff else "",
        )
        for p in profiles
    ]


def _search_units(user, query: str, limit: int) -> list[SearchHit]:
    units = org_units_visible_to(user).filter(Q(name__icontains=query) | Q(code__iexact=query)).order_by("code")[:limit]
    return [SearchHit(title=u.name, subtitle=f"{u.get_kind_display()} · {u.code}", url="") for u in units]


register(SearchProvider("staff", _("Staff"), _search_staff, order=900))
register(SearchProvider("units", _("Teams and outlets"), _search_units, order=910))
