"""Knowledge base: Chinese substring search, published only, suggestions for a reason code, view counts, editing."""

from __future__ import annotations

import pytest
from django.db import connection
from django.urls import include, path, reverse

from callcenter import knowledge
from callcenter.models import KnowledgeArticle, KnowledgeCategory, ReasonCategory
from callcenter.views_knowledge import urlpatterns as knowledge_urls
from crm.audit.models import AuditEntry

# The knowledge pages mounted as the project will mount them, on top of the project's URLs (for base.html's links).
urlpatterns = [
    path("callcenter/knowledge/", include((knowledge_urls, "callcenter"))),
    path("", include("crm.urls")),
]

pytestmark = [pytest.mark.django_db, pytest.mark.urls(__name__)]


@pytest.fixture
def shelves() -> dict[str, KnowledgeCategory]:
    # Seeded by migration 0002; get_or_create keeps the tests independent of a flushed database.
    names = {"products": "产品", "tariffs": "资费", "fault-scripts": "障碍处理话术"}
    return {
        code: KnowledgeCategory.objects.get_or_create(code=code, defaults={"name": n})[0] for code, n in names.items()
    }


def article(category, title, body="", keywords="", **kwargs) -> KnowledgeArticle:
    return KnowledgeArticle.objects.create(
        category=category, title=title, body=body or title, keywords=keywords, **kwargs
    )


@pytest.fixture
def reasons():
    parent = ReasonCategory.objects.create(code="kb-fault", name="障碍申报", interaction_type="fault_report")
    child = ReasonCategory.objects.create(
        code="kb-fault-bb", name="宽带故障", interaction_type="fault_report", parent=parent
    )
    other = ReasonCategory.objects.create(code="kb-inq-roam", name="漫游咨询", interaction_type="inquiry")
    return parent, child, other


def test_migration_seeds_the_three_shelves():
    assert set(KnowledgeCategory.objects.values_list("code", flat=True)) >= {"products", "tariffs", "fault-scripts"}


def test_chinese_substring_search_finds_the_article(shelves):
    broadband = article(shelves["fault-scripts"], "宽带无法上网排查话术", "请客户查看光猫指示灯。")
    article(shelves["products"], "国际漫游开通", "出国前订购流量日包。")

    assert list(knowledge.articles_search("宽带")) == [broadband]
    assert list(knowledge.articles_search("光猫")) == [broadband]  # in the text only
    assert list(knowledge.articles_search("上网排查")) == [broadband]  # three characters and more: the index path


def test_every_term_must_match_and_title_hits_rank_first(shelves):
    both_in_title = article(shelves["fault-scripts"], "宽带网速慢处理话术", "测速后派单。", views=0)
    in_text = article(shelves["products"], "光宽带提速办理", "网速慢时建议提速到千兆。", views=999)
    article(shelves["fault-scripts"], "宽带无法上网排查话术", "重启光猫。")  # only one of the two terms

    found = list(knowledge.articles_search("宽带 网速慢"))

    assert found == [both_in_title, in_text]


def test_search_matches_keywords_ignores_case_and_filters_by_category(shelves):
    iptv = article(shelves["fault-scripts"], "IPTV 无信号处理", "重启机顶盒。", keywords="天翼高清 黑屏")
    article(shelves["products"], "天翼高清基础包介绍", "频道列表。")

    assert list(knowledge.articles_search("iptv")) == [iptv]
    assert list(knowledge.articles_search("黑屏")) == [iptv]
    assert list(knowledge.articles_search("天翼高清", category="fault-scripts")) == [iptv]
    assert list(knowledge.articles_search("天翼高清", category=shelves["fault-scripts"].pk)) == [iptv]
    assert len(knowledge.articles_search("天翼高清")) == 2


def test_unpublished_articles_are_hidden(shelves):
    article(shelves["products"], "停机保号规则（草稿）", is_published=False)
    published = article(shelves["products"], "停机保号规则")

    assert list(knowledge.articles_search("停机保号")) == [published]
    assert len(knowledge.articles_search("停机保号", include_unpublished=True)) == 2


def test_suggestions_by_reason_and_its_parent(shelves, reasons):
    parent, child, other = reasons
    for_child = article(shelves["fault-scripts"], "宽带无法上网排查话术", views=1)
    for_parent = article(shelves["fault-scripts"], "障碍申报通用话术", views=50)
    for_both = article(shelves["fault-scripts"], "光猫指示灯说明", views=10)
    hidden = article(shelves["fault-scripts"], "宽带草稿", is_published=False)
    roaming = article(shelves["products"], "国际漫游开通")
    for_child.reasons.add(child)
    for_parent.reasons.add(parent)
    for_both.reasons.add(child, parent)
    hidden.reasons.add(child)
    roaming.reasons.add(other)

    # the reason's own articles first (most read first), then its parent's; each once, unpublished never
    assert knowledge.articles_for_reason(child) == [for_both, for_child, for_parent]
    assert knowledge.articles_for_reason(child.pk, limit=2) == [for_both, for_child]
    assert knowledge.articles_for_reason(parent) == [for_parent, for_both]
    assert knowledge.articles_for_reason(None) == []


def test_article_view_increments_the_count(shelves):
    a = article(shelves["products"], "携号转网办理条件", views=3)

    knowledge.article_view(a)
    knowledge.article_view(KnowledgeArticle.objects.get(pk=a.pk))  # a stale copy still adds one

    a.refresh_from_db()
    assert a.views == 5


def test_article_page_counts_a_view(client, make_staff, shelves):
    a = article(shelves["products"], "携号转网办理条件", "入网满 120 天。")
    client.force_login(make_staff("call_agent"))

    response = client.get(reverse("callcenter:knowledge_article", args=[a.pk]))

    assert response.status_code == 200
    assert "入网满 120 天" in response.content.decode()
    a.refresh_from_db()
    assert a.views == 1


def test_agent_cannot_read_an_unpublished_article(client, make_staff, shelves):
    draft = article(shelves["products"], "草稿", is_published=False)
    client.force_login(make_staff("call_agent"))

    assert client.get(reverse("callcenter:knowledge_article", args=[draft.pk])).status_code == 404


def test_list_page_renders_and_searches(client, make_staff, shelves):
    article(shelves["fault-scripts"], "宽带无法上网排查话术")
    article(shelves["products"], "国际漫游开通")
    client.force_login(make_staff("call_agent"))

    page = client.get(reverse("callcenter:knowledge"))
    fragment = client.get(reverse("callcenter:knowledge"), {"q": "宽带", "fragment": "results"}, HTTP_HX_REQUEST="true")

    assert page.status_code == 200
    assert "宽带无法上网排查话术" in page.content.decode() and "国际漫游开通" in page.content.decode()
    assert "<html" not in fragment.content.decode()
    assert "宽带无法上网排查话术" in fragment.content.decode() and "国际漫游开通" not in fragment.content.decode()


def test_staff_without_the_hotline_permission_cannot_read(client, make_staff):
    client.force_login(make_staff("field_technician"))

    assert client.get(reverse("callcenter:knowledge")).status_code == 403


def test_suggest_fragment(client, make_staff, shelves, reasons):
    _parent, child, _other = reasons
    a = article(shelves["fault-scripts"], "宽带无法上网排查话术")
    a.reasons.add(child)
    client.force_login(make_staff("call_agent"))

    response = client.get(reverse("callcenter:knowledge_suggest"), {"reason": child.pk})
    empty = client.get(reverse("callcenter:knowledge_suggest"), {"reason": "x"})

    assert response.status_code == 200
    assert "宽带无法上网排查话术" in response.content.decode()
    assert empty.status_code == 200 and "宽带无法上网排查话术" not in empty.content.decode()


def _form(category, **overrides) -> dict:
    data = {"category": category.pk, "title": "停机保号规则", "body": "保号费 5 元/月。", "keywords": "保号",
            "is_published": "on"}  # fmt: skip
    data.update(overrides)
    return data


def test_agent_cannot_edit(client, make_staff, shelves):
    a = article(shelves["products"], "停机保号规则")
    client.force_login(make_staff("call_agent"))

    assert client.get(reverse("callcenter:knowledge_new")).status_code == 403
    assert client.post(reverse("callcenter:knowledge_new"), _form(shelves["products"])).status_code == 403
    assert client.post(reverse("callcenter:knowledge_edit", args=[a.pk]), _form(shelves["products"])).status_code == 403
    assert KnowledgeArticle.objects.count() == 1


def test_manager_creates_and_edits_with_audit(client, make_staff, shelves, reasons):
    _parent, child, _other = reasons
    manager = make_staff("manager")
    client.force_login(manager)

    assert client.get(reverse("callcenter:knowledge_new")).status_code == 200
    response = client.post(reverse("callcenter:knowledge_new"), _form(shelves["products"], reasons=[child.pk]))

    a = KnowledgeArticle.objects.get()
    assert response.status_code == 302 and response.url == reverse("callcenter:knowledge_article", args=[a.pk])
    assert a.updated_by == manager and list(a.reasons.all()) == [child]
    created = AuditEntry.objects.get(object_type="callcenter.knowledgearticle", action=AuditEntry.Action.CREATE)
    assert created.actor_id == manager.pk and created.object_id == str(a.pk)

    assert client.get(reverse("callcenter:knowledge_edit", args=[a.pk])).status_code == 200
    client.post(reverse("callcenter:knowledge_edit", args=[a.pk]), _form(shelves["tariffs"], body="保号费 3 元/月。"))

    a.refresh_from_db()
    assert a.body == "保号费 3 元/月。" and a.category == shelves["tariffs"] and not a.reasons.exists()
    updated = AuditEntry.objects.get(object_type="callcenter.knowledgearticle", action=AuditEntry.Action.UPDATE)
    assert updated.changes["body"] == ["保号费 5 元/月。", "保号费 3 元/月。"]
    assert updated.changes["reasons"] == [[child.pk], []]


def test_editor_form_rejects_an_empty_text(client, make_staff, shelves):
    client.force_login(make_staff("manager"))

    response = client.post(reverse("callcenter:knowledge_new"), _form(shelves["products"], body="   "))

    assert response.status_code == 200
    assert not KnowledgeArticle.objects.exists()


@pytest.mark.skipif(connection.vendor != "postgresql", reason="trigram indexes are PostgreSQL only")
def test_trigram_index_serves_the_search(shelves):
    for i in range(30):
        article(shelves["products"], f"资费说明 {i}")
    article(shelves["fault-scripts"], "宽带无法上网排查话术")
    sql, params = knowledge.articles_search("无法上网", limit=None).query.sql_with_params()

    with connection.cursor() as cursor:
        # a handful of rows: force the choice between scanning and the bitmap path the indexes offer
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("SET LOCAL enable_indexscan = off")
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "kb_article_title_trgm_idx" in plan
    assert "kb_article_body_trgm_idx" in plan
    assert "kb_article_keywords_trgm_idx" in plan


def test_demo_step_is_discovered_and_links_reason_codes_when_they_exist(shelves):
    from crm.demo.engine import SeedContext, registered_steps

    step = next(s for s in registered_steps() if s.name == "knowledge")
    ctx = SeedContext(customers=10, seed=1, log=lambda _m: None)

    ReasonCategory.objects.filter(code="flt-broadband-down").delete()
    step.func(ctx)  # the reason code is missing: articles only
    broadband, _ = ReasonCategory.objects.get_or_create(
        code="flt-broadband-down", defaults={"name": "无法上网", "interaction_type": "fault_report"}
    )
    step.func(ctx)  # again: nothing duplicated, now linked

    assert KnowledgeArticle.objects.count() == 12
    assert "宽带无法上网排查话术" in {a.title for a in knowledge.articles_for_reason(broadband)}
    assert [a.title for a in knowledge.articles_search("携号转网")] == ["携号转网办理条件"]
