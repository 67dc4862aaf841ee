"""Knowledge-base pages (知识库): the list with search-as-you-type and shelves, an article (counted as read),
the editor's form, and the suggestions for a call's reason code that the agent desktop loads with htmx."""

from __future__ import annotations

from functools import wraps

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required, permission_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from . import knowledge
from .models import KnowledgeArticle, KnowledgeCategory, ReasonCategory


def knowledge_reader_required(view):
    """Agents (handle_interactions) and editors (edit_knowledge) read the knowledge base; others get a 403."""

    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not knowledge.can_read_knowledge(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return login_required(wrapper)


class ArticleForm(forms.Form):
    category = forms.ModelChoiceField(KnowledgeCategory.objects.all(), label=gettext_lazy("category"))
    title = forms.CharField(label=gettext_lazy("title"), max_length=200)
    body = forms.CharField(label=gettext_lazy("text"), widget=forms.Textarea(attrs={"rows": 16}))
    keywords = forms.CharField(
        label=gettext_lazy("keywords"),
        max_length=255,
        required=False,
        help_text=gettext_lazy("Other words callers use, separated by spaces; they are searched too."),
    )
    reasons = forms.ModelMultipleChoiceField(
        ReasonCategory.objects.filter(is_active=True).select_related("parent"),
        label=gettext_lazy("answers reason codes"),
        required=False,
        widget=forms.SelectMultiple(attrs={"size": 10}),
        help_text=gettext_lazy(
            "Suggested to agents during calls with these reasons (a top reason covers its details)."
        ),
    )
    is_published = forms.BooleanField(label=gettext_lazy("published"), required=False, initial=True)


def _list_context(request) -> dict:
    query = request.GET.get("q", "").strip()
    category = request.GET.get("category", "").strip()
    editor = knowledge.can_edit_knowledge(request.user)
    articles = knowledge.articles_search(query, category=category or None, limit=50, include_unpublished=editor)
    return {"articles": articles, "q": query, "category": category, "can_edit": editor}


@knowledge_reader_required
def knowledge_list(request):
    """The list; an htmx request (typing in the search box) gets the results fragment only."""
    context = _list_context(request)
    if request.headers.get("HX-Request") and request.GET.get("fragment") == "results":
        return render(request, "callcenter/knowledge/_results.html", context)
    context["categories"] = KnowledgeCategory.objects.all()
    return render(request, "callcenter/knowledge/list.html", context)


@knowledge_reader_required
def knowledge_article(request, pk: int):
    try:
        article = knowledge.article_for_reading(request.user, pk)
    except KnowledgeArticle.DoesNotExist as exc:
        raise Http404 from exc
    knowledge.article_view(article)
    return render(
        request,
        "callcenter/knowledge/article.html",
        {"article": article, "can_edit": knowledge.can_edit_knowledge(request.user)},
    )


@login_required
@permission_required("accounts.edit_knowledge", raise_exception=True)
def knowledge_edit(request, pk: int | None = None):
    """Create (no pk) or change an article; the service records the editor and writes the audit log."""
    article = get_object_or_404(KnowledgeArticle, pk=pk) if pk is not None else None
    if request.method == "POST":
        form = ArticleForm(request.POST)
        if form.is_valid():
            try:
                article = knowledge.article_save(actor=request.user, article=article, **form.cleaned_data)
            except ValidationError as exc:
                form.add_error(None, exc)
            else:
                messages.success(request, _("The article was saved."))
                return redirect("callcenter:knowledge_article", pk=article.pk)
    elif article is not None:
        form = ArticleForm(
            initial={
                "category": article.category_id,
                "title": article.title,
                "body": article.body,
                "keywords": article.keywords,
                "reasons": list(article.reasons.values_list("pk", flat=True)),
                "is_published": article.is_published,
            }
        )
    else:
        form = ArticleForm(initial={"category": request.GET.get("category") or None})
    title = _("Edit article") if article is not None else _("New article")
    return render(request, "callcenter/knowledge/edit.html", {"form": form, "article": article, "title": title})


@knowledge_reader_required
def knowledge_suggest(request):
    """htmx fragment: the articles for ``?reason=<id>`` (the call's reason code), for the agent desktop."""
    reason_id = request.GET.get("reason", "").strip()
    reason = None
    if reason_id.isdigit():
        reason = ReasonCategory.objects.select_related("parent").filter(pk=int(reason_id)).first()
    articles = knowledge.articles_for_reason(reason) if reason is not None else []
    return render(request, "callcenter/knowledge/_suggest.html", {"articles": articles, "reason": reason})


urlpatterns = [
    path("", knowledge_list, name="knowledge"),
    path("new/", knowledge_edit, name="knowledge_new"),
    path("suggest/", knowledge_suggest, name="knowledge_suggest"),
    path("<int:pk>/", knowledge_article, name="knowledge_article"),
    path("<int:pk>/edit/", knowledge_edit, name="knowledge_edit"),
]
