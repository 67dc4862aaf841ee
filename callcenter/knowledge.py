"""The knowledge base (知识库): reading (search, suggestions for a reason code) and writing (views, editing).

Search is substring search (Chinese has no spaces between words): every whitespace-separated term must occur in
the title, the text or the keywords. On PostgreSQL the trigram indexes of migration 0002 serve the ``LIKE '%词%'``.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Case, Exists, F, IntegerField, OuterRef, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from crm.audit.models import AuditEntry
from crm.audit.services import audit_record, diff, field_values

from .models import KnowledgeArticle, KnowledgeCategory, ReasonCategory

MAX_TERMS = 8  # a pasted paragraph must not become a 100-clause query


def can_read_knowledge(user) -> bool:
    """Agents read the knowledge base; editors (managers, admins) read what they maintain."""
    return user.has_perm("accounts.handle_interactions") or user.has_perm("accounts.edit_knowledge")


def can_edit_knowledge(user) -> bool:
    return user.has_perm("accounts.edit_knowledge")


def search_terms(query: str) -> list[str]:
    """The distinct whitespace-separated terms of a query (full-width spaces count), at most MAX_TERMS."""
    terms: list[str] = []
    for term in (query or "").replace("\u3000", " ").split():
        if term not in terms:
            terms.append(term)
    return terms[:MAX_TERMS]


def articles_search(
    query: str,
    *,
    category: KnowledgeCategory | int | str | None = None,
    limit: int | None = 20,
    include_unpublished: bool = False,
) -> QuerySet[KnowledgeArticle]:
    """Articles where every term occurs in title, text or keywords; title hits first, then the most read.

    ``category`` is a category, its id or its code. Unpublished articles only with ``include_unpublished``
    (editors). An empty query lists the category's articles, most read first.
    """
    qs = KnowledgeArticle.objects.select_related("category")
    if not include_unpublished:
        qs = qs.filter(is_published=True)
    if isinstance(category, KnowledgeCategory):
        qs = qs.filter(category=category)
    elif isinstance(category, int) or (isinstance(category, str) and category.isdigit()):
        qs = qs.filter(category_id=int(category))
    elif category:
        qs = qs.filter(category__code=category)

    title_hits = Value(0, output_field=IntegerField())
    for term in search_terms(query):
        qs = qs.filter(Q(title__icontains=term) | Q(body__icontains=term) | Q(keywords__icontains=term))
        title_hits = title_hits + Case(When(title__icontains=term, then=Value(1)), default=Value(0))
    qs = qs.annotate(title_hits=title_hits)
    qs = qs.order_by("-title_hits", "-views", "title", "pk")
    return qs[:limit] if limit else qs


def articles_for_reason(reason: ReasonCategory | int | None, limit: int = 5) -> list[KnowledgeArticle]:
    """Published articles that answer a call's reason code or its parent; the reason's own first, then most read."""
    if reason is None:
        return []
    if not isinstance(reason, ReasonCategory):
        reason = ReasonCategory.objects.filter(pk=reason).first()
        if reason is None:
            return []
    reason_ids = [reason.pk] + ([reason.parent_id] if reason.parent_id else [])
    # Subqueries rather than a join: an article linked to both the reason and its parent is listed once.
    links = KnowledgeArticle.reasons.through.objects
    return list(
        KnowledgeArticle.objects.filter(
            is_published=True, pk__in=links.filter(reasoncategory_id__in=reason_ids).values("knowledgearticle_id")
        )
        .select_related("category")
        .annotate(own=Exists(links.filter(knowledgearticle_id=OuterRef("pk"), reasoncategory_id=reason.pk)))
        .order_by("-own", "-views", "title", "pk")[:limit]
    )


def article_for_reading(user, pk: int) -> KnowledgeArticle:
    """One article as ``user`` may see it: unpublished ones only for editors (raises DoesNotExist otherwise)."""
    qs = KnowledgeArticle.objects.select_related("category", "updated_by").prefetch_related("reasons__parent")
    if not can_edit_knowledge(user):
        qs = qs.filter(is_published=True)
    return qs.get(pk=pk)


# --- Writes -------------------------------------------------------------------------------------------------------


def article_view(article: KnowledgeArticle) -> KnowledgeArticle:
    """Count one reading of the article (an F() update, so simultaneous readers are all counted)."""
    KnowledgeArticle.objects.filter(pk=article.pk).update(views=F("views") + 1)
    article.refresh_from_db(fields=["views"])
    return article


@transaction.atomic
def article_save(
    *,
    actor,
    category: KnowledgeCategory,
    title: str,
    body: str,
    keywords: str = "",
    reasons: Iterable[ReasonCategory] = (),
    is_published: bool = True,
    article: KnowledgeArticle | None = None,
) -> KnowledgeArticle:
    """Create an article, or update ``article``, as an editor; records who changed it and writes the audit log."""
    if not can_edit_knowledge(actor):
        raise PermissionDenied(_("You may not edit the knowledge base."))
    title, body, keywords = (title or "").strip(), (body or "").strip(), " ".join((keywords or "").split())
    if not title or not body:
        raise ValidationError(_("An article needs a title and a text."))

    creating = article is None
    if creating:
        article = KnowledgeArticle()
        before: dict[str, object] | None = None
        reasons_before: list[int] = []
    else:
        article = KnowledgeArticle.objects.select_for_update().get(pk=article.pk)
        before = field_values(article, exclude=("views", "updated_at"))
        reasons_before = sorted(article.reasons.values_list("pk", flat=True))

    article.category = category
    article.title = title
    article.body = body
    article.keywords = keywords
    article.is_published = is_published
    article.updated_by = actor
    article.full_clean(exclude=["updated_by"])
    article.save()
    reason_list = list(reasons)
    article.reasons.set(reason_list)

    changes = diff(before, field_values(article, exclude=("views", "updated_at")))
    reasons_after = sorted(r.pk for r in reason_list)
    if reasons_after != reasons_before:
        changes["reasons"] = [reasons_before, reasons_after]
    audit_record(
        action=AuditEntry.Action.CREATE if creating else AuditEntry.Action.UPDATE,
        obj=article,
        changes=changes,
        actor=actor,
    )
    return article
