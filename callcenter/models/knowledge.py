"""The knowledge base (知识库): articles agents read out — products, tariffs, fault scripts."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from .calls import ReasonCategory


class KnowledgeCategory(models.Model):
    """A shelf of the knowledge base (知识分类): products, tariffs, fault scripts, policies."""

    code = models.SlugField(_("code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=80)
    sort_order = models.PositiveSmallIntegerField(_("order of display"), default=0)

    class Meta:
        verbose_name = _("knowledge category (知识分类)")
        verbose_name_plural = _("knowledge categories")
        ordering = ["sort_order", "code"]

    def __str__(self) -> str:
        return self.name


class KnowledgeArticle(models.Model):
    """One article (知识条目), suggested for the reason codes it answers; views are counted."""

    category = models.ForeignKey(
        KnowledgeCategory, on_delete=models.PROTECT, related_name="articles", verbose_name=_("category")
    )
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("text"))
    keywords = models.CharField(_("keywords"), max_length=255, blank=True)
    reasons = models.ManyToManyField(ReasonCategory, blank=True, related_name="articles", verbose_name=_("answers"))
    is_published = models.BooleanField(_("published"), default=True)
    is_public = models.BooleanField(_("public (shown on the portal)"), default=False)
    views = models.PositiveIntegerField(_("views"), default=0)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("knowledge article (知识条目)")
        verbose_name_plural = _("knowledge articles")
        ordering = ["category_id", "title"]

    def __str__(self) -> str:
        return self.title
