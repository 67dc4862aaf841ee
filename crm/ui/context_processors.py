"""What every staff page needs: the navigation for the user's role, their role and region, the languages."""

from __future__ import annotations

from django.conf import settings

from crm.accounts.selectors import staff_profile, user_role

from .navigation import items_for


def shell(request) -> dict:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"languages": settings.LANGUAGES}
    profile = staff_profile(user)
    sections: dict[str, list] = {}
    for item in items_for(user):
        sections.setdefault(str(item.section), []).append(item)
    return {
        "languages": settings.LANGUAGES,
        "nav_sections": sections,
        "staff_role": user_role(user),
        "staff_role_label": profile.get_role_display() if profile else "",
        "staff_region": profile.region if profile and profile.region_id else None,
        "staff_unit": profile.org_unit if profile and profile.org_unit_id else None,
    }
