"""Staff and the operator's organisation: regions (地市分公司), areas, grids (网格), teams and outlets."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .roles import PERMISSIONS, PROVINCE_ROLES, Role


class Region(models.Model):
    """A prefecture-level branch of the provincial operator (地市分公司)."""

    code = models.CharField(_("code"), max_length=16, unique=True)  # administrative division code, e.g. 340100
    name = models.CharField(_("name"), max_length=64, unique=True)
    name_en = models.CharField(_("English name"), max_length=64)
    area_code = models.CharField(_("telephone area code"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("region (地市分公司)")
        verbose_name_plural = _("regions")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Area(models.Model):
    """A district or county of a region; urban (市区) or suburban county (郊县), which SLA limits depend on."""

    class Kind(models.TextChoices):
        URBAN = "urban", _("Urban (市区)")
        COUNTY = "county", _("Suburban county (郊县)")

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="areas", verbose_name=_("region"))
    code = models.CharField(_("code"), max_length=16, unique=True)
    name = models.CharField(_("name"), max_length=64)
    name_en = models.CharField(_("English name"), max_length=64, blank=True)
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)

    class Meta:
        verbose_name = _("area (区县)")
        verbose_name_plural = _("areas")
        ordering = ["region__code", "code"]
        constraints = [
            models.UniqueConstraint(fields=["region", "name"], name="area_unique_name_in_region"),
            models.CheckConstraint(condition=Q(kind__in=["urban", "county"]), name="area_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.region.name}·{self.name}"


class Grid(models.Model):
    """A small territory inside an area (网格) with its own front-line staff."""

    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="grids", verbose_name=_("region"))
    area = models.ForeignKey(Area, on_delete=models.PROTECT, related_name="grids", verbose_name=_("area"))
    code = models.CharField(_("code"), max_length=24, unique=True)
    name = models.CharField(_("name"), max_length=64)

    class Meta:
        verbose_name = _("grid (网格)")
        verbose_name_plural = _("grids")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class OrgUnit(models.Model):
    """A team or outlet staff belong to: a business hall, agent outlet, hotline team, crew or contractor."""

    class Kind(models.TextChoices):
        OWN_HALL = "own_hall", _("Own business hall (自营厅)")
        PARTNER_HALL = "partner_hall", _("Partner hall (合作厅)")
        AGENT_OUTLET = "agent_outlet", _("Agent outlet (代销点)")
        HOTLINE_TEAM = "hotline_team", _("Hotline team (10000号班组)")
        DISPATCH_CENTRE = "dispatch_centre", _("Dispatch centre (调度中心)")
        FIELD_CREW = "field_crew", _("Field crew (装维班组)")
        MAINTENANCE_CONTRACTOR = "maintenance_contractor", _("Outsourced maintenance company (代维公司)")
        KEY_ACCOUNT_TEAM = "key_account_team", _("Key-account team (政企客户部)")
        MARKETING_DEPT = "marketing_dept", _("Marketing department (市场部)")
        MANAGEMENT = "management", _("Management (管理层)")
        IT = "it", _("IT department (信息化部)")

    code = models.CharField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=128)
    kind = models.CharField(_("kind"), max_length=32, choices=Kind.choices)
    region = models.ForeignKey(
        Region, on_delete=models.PROTECT, null=True, blank=True, related_name="org_units", verbose_name=_("region")
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="org_units", verbose_name=_("grid")
    )
    is_active = models.BooleanField(_("active"), default=True)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="teams_led",
        verbose_name=_("lead"),
        help_text=_("Receives escalations of the team's breached time limits."),
    )

    class Meta:
        verbose_name = _("team or outlet (班组/营业网点)")
        verbose_name_plural = _("teams and outlets")
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class StaffProfile(models.Model):
    """A staff user's role and place in the organisation, which decide what they may do and see."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff_profile", verbose_name=_("user")
    )
    role = models.CharField(_("role"), max_length=32, choices=Role.choices)
    region = models.ForeignKey(
        Region,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        verbose_name=_("region"),
        help_text=_("Empty for province-level staff, who see every region."),
    )
    grid = models.ForeignKey(
        Grid, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("grid")
    )
    org_unit = models.ForeignKey(
        OrgUnit, on_delete=models.PROTECT, null=True, blank=True, related_name="staff", verbose_name=_("team or outlet")
    )
    employee_no = models.CharField(_("employee number"), max_length=32, unique=True, null=True, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True)

    class Meta:
        verbose_name = _("staff profile (员工档案)")
        verbose_name_plural = _("staff profiles")
        ordering = ["user__username"]
        permissions = PERMISSIONS
        constraints = [
            models.CheckConstraint(condition=Q(role__in=Role.values), name="staff_role_valid"),
            # Only province-level roles may work without a region.
            models.CheckConstraint(
                condition=Q(region__isnull=False) | Q(role__in=sorted(PROVINCE_ROLES)),
                name="staff_region_required_for_role",
            ),
            # A grid narrows a region; it cannot stand alone.
            models.CheckConstraint(
                condition=Q(grid__isnull=True) | Q(region__isnull=False), name="staff_grid_needs_region"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user.get_username()} ({self.get_role_display()})"

    @property
    def is_province_level(self) -> bool:
        return self.region_id is None
