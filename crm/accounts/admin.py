"""Admin screens for IT: the organisation and staff (with their role and region on the user page)."""

from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

from .models import Area, Grid, OrgUnit, Region, StaffProfile


class AreaInline(admin.TabularInline):
    model = Area
    extra = 0


@admin.register(Region)
class RegionAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "name_en", "area_code")
    search_fields = ("code", "name", "name_en")
    inlines = [AreaInline]


@admin.register(Area)
class AreaAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "kind")
    list_filter = ("kind", "region")
    search_fields = ("code", "name")


@admin.register(Grid)
class GridAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "region", "area")
    list_filter = ("region",)
    search_fields = ("code", "name")
    list_select_related = ("region", "area")


@admin.register(OrgUnit)
class OrgUnitAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "region", "grid", "is_active")
    list_filter = ("kind", "region", "is_active")
    search_fields = ("code", "name")
    list_select_related = ("region", "grid")


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    autocomplete_fields = ("grid", "org_unit")
    fk_name = "user"


User = get_user_model()
admin.site.unregister(User)


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    inlines = [StaffProfileInline]
    list_display = ("username", "last_name", "first_name", "role", "region", "is_active")
    list_filter = ("staff_profile__role", "staff_profile__region", "is_active")
    list_select_related = ("staff_profile", "staff_profile__region")

    @admin.display(description="role", ordering="staff_profile__role")
    def role(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.get_role_display() if profile else "-"

    @admin.display(description="region", ordering="staff_profile__region__code")
    def region(self, obj):
        profile = getattr(obj, "staff_profile", None)
        return profile.region if profile and profile.region_id else "-"
