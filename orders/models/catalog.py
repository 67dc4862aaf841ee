"""The product catalog (产品目录, TMF620): specifications, offerings, prices, bundles, categories, catalogs."""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class LifecycleStatus(models.TextChoices):
    """TMF620 lifecycle of catalog entities."""

    IN_STUDY = "In study", _("In study")
    IN_DESIGN = "In design", _("In design")
    IN_TEST = "In test", _("In test")
    ACTIVE = "Active", _("Active")
    LAUNCHED = "Launched", _("Launched")
    RETIRED = "Retired", _("Retired")
    OBSOLETE = "Obsolete", _("Obsolete")
    REJECTED = "Rejected", _("Rejected")


SELLABLE_STATUSES = ("Active", "Launched")


class ProductCategory(models.Model):
    """A node of the catalog's category tree (产品分类), e.g. broadband, mobile, VAS, bundles."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=255, blank=True)
    parent = models.ForeignKey(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="children", verbose_name=_("parent")
    )
    lifecycle_status = models.CharField(
        _("lifecycle status"), max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE
    )
    sort_order = models.PositiveSmallIntegerField(_("order"), default=0)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product category (产品分类)")
        verbose_name_plural = _("product categories")
        ordering = ["sort_order", "code"]
        constraints = [models.CheckConstraint(condition=~Q(parent=F("id")), name="category_not_own_parent")]

    def __str__(self) -> str:
        return self.name


class ProductCatalog(models.Model):
    """A catalog published to a channel (产品目录), e.g. the business-hall catalog or the portal's."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=255, blank=True)
    catalog_type = models.CharField(_("type"), max_length=32, default="productCatalog")
    categories = models.ManyToManyField(ProductCategory, related_name="catalogs", blank=True)
    lifecycle_status = models.CharField(
        _("lifecycle status"), max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product catalog (产品目录)")
        verbose_name_plural = _("product catalogs")
        ordering = ["code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="catalog_valid_period",
            )
        ]

    def __str__(self) -> str:
        return self.name


class ProductSpecification(models.Model):
    """What a product is technically (产品规格): fixed line, mobile, FTTH broadband, IPTV, DIA, a VAS."""

    class Kind(models.TextChoices):
        FIXED_LINE = "fixed_line", _("Fixed line (固话)")
        MOBILE = "mobile", _("Mobile (移动)")
        BROADBAND = "broadband", _("Broadband FTTH (宽带)")
        IPTV = "iptv", _("IPTV")
        DIA = "dia", _("Dedicated internet access (互联网专线)")
        VAS = "vas", _("Value-added service (增值业务)")

    class Grade(models.TextChoices):
        """Service grade of dedicated lines (专线等级); drives fault-repair time limits."""

        NONE = "", _("None")
        GOLD = "gold", _("Gold (金牌)")
        SILVER = "silver", _("Silver (银牌)")
        ORDINARY = "ordinary", _("Ordinary (普通)")

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    grade = models.CharField(_("grade"), max_length=16, choices=Grade.choices, blank=True)
    brand = models.CharField(_("brand"), max_length=32, blank=True)  # 天翼, 翼支付 …
    description = models.CharField(_("description"), max_length=255, blank=True)
    characteristics = models.JSONField(_("characteristics"), default=list, blank=True)  # [{name, valueType, value}]
    needs_install = models.BooleanField(_("needs on-site install"), default=False)
    lifecycle_status = models.CharField(
        _("lifecycle status"), max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product specification (产品规格)")
        verbose_name_plural = _("product specifications")
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=Q(kind__in=["fixed_line", "mobile", "broadband", "iptv", "dia", "vas"]),
                name="spec_kind_valid",
            ),
            # Only dedicated lines have a grade, and they must have one.
            models.CheckConstraint(
                condition=(Q(kind="dia") & Q(grade__in=["gold", "silver", "ordinary"]))
                | (~Q(kind="dia") & Q(grade="")),
                name="spec_grade_only_for_dia",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class ProductOffering(models.Model):
    """What we sell (销售品): one specification at a price, or a bundle (套餐/融合) of other offerings."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    description = models.CharField(_("description"), max_length=500, blank=True)
    specification = models.ForeignKey(
        ProductSpecification,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="offerings",
        verbose_name=_("specification"),
    )
    is_bundle = models.BooleanField(_("bundle (套餐/融合)"), default=False)
    bundled_offerings = models.ManyToManyField(
        "self", symmetrical=False, blank=True, related_name="bundles", verbose_name=_("bundled offerings")
    )
    categories = models.ManyToManyField(ProductCategory, related_name="offerings", blank=True)
    customer_classes = models.JSONField(_("for customer classes"), default=list, blank=True)  # [] = everyone
    lifecycle_status = models.CharField(
        _("lifecycle status"), max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("product offering (销售品)")
        verbose_name_plural = _("product offerings")
        ordering = ["code"]
        constraints = [
            # A single offering sells one specification; a bundle sells its components instead.
            models.CheckConstraint(
                condition=(Q(is_bundle=False) & Q(specification__isnull=False))
                | (Q(is_bundle=True) & Q(specification__isnull=True)),
                name="offering_spec_or_bundle",
            ),
            models.CheckConstraint(
                condition=Q(valid_to__isnull=True) | Q(valid_from__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="offering_valid_period",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_sellable(self) -> bool:
        return self.lifecycle_status in SELLABLE_STATUSES


class ProductOfferingPrice(models.Model):
    """A price of an offering (资费): a one-off fee or a monthly recurring charge, in yuan."""

    class PriceType(models.TextChoices):
        ONE_TIME = "oneTime", _("One-off")
        RECURRING = "recurring", _("Recurring")
        USAGE = "usage", _("Usage")

    offering = models.ForeignKey(
        ProductOffering, on_delete=models.CASCADE, related_name="prices", verbose_name=_("offering")
    )
    name = models.CharField(_("name"), max_length=80)
    price_type = models.CharField(_("price type"), max_length=16, choices=PriceType.choices)
    recurring_period = models.CharField(_("period"), max_length=16, blank=True)  # "month" for recurring
    unit_of_measure = models.CharField(_("unit"), max_length=16, blank=True)  # "min", "GB" for usage
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    tax_rate = models.DecimalField(_("tax rate (%)"), max_digits=5, decimal_places=2, default=0)
    lifecycle_status = models.CharField(
        _("lifecycle status"), max_length=16, choices=LifecycleStatus.choices, default=LifecycleStatus.ACTIVE
    )
    valid_from = models.DateField(_("valid from"), null=True, blank=True)
    valid_to = models.DateField(_("valid to"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("offering price (资费)")
        verbose_name_plural = _("offering prices")
        ordering = ["offering_id", "price_type", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=0), name="price_amount_not_negative"),
            models.CheckConstraint(condition=Q(tax_rate__gte=0, tax_rate__lte=100), name="price_tax_rate_percent"),
            models.CheckConstraint(
                condition=Q(price_type__in=["oneTime", "recurring", "usage"]), name="price_type_valid"
            ),
            models.CheckConstraint(
                condition=~Q(price_type="recurring") | ~Q(recurring_period=""), name="price_recurring_has_period"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.offering} · {self.name}"
