"""The reason codes agents file calls under (原因分类), two levels per interaction type; edited in the admin."""

from django.db import migrations

CODES = {
    "inquiry": [
        ("inq-tariff", "资费咨询", "Tariffs", ["inq-tariff-plan:套餐资费", "inq-tariff-roaming:漫游资费"]),
        ("inq-business", "业务办理咨询", "How to order", ["inq-business-port:携号转网", "inq-business-move:移机"]),
    ],
    "complaint": [
        ("cmp-billing", "计费投诉", "Billing", ["cmp-billing-wrong:扣费有误", "cmp-billing-vas:增值业务乱扣费"]),
        ("cmp-network", "网络质量投诉", "Network quality", ["cmp-network-slow:网速慢", "cmp-network-signal:信号差"]),
        ("cmp-service", "服务投诉", "Service", ["cmp-service-install:装机不及时", "cmp-service-attitude:服务态度"]),
    ],
    "suggestion": [("sug-product", "产品建议", "Products", [])],
    "fault_report": [
        ("flt-broadband", "宽带障碍", "Broadband fault", ["flt-broadband-down:无法上网", "flt-broadband-slow:网速慢"]),
        ("flt-fixed", "固话障碍", "Fixed-line fault", ["flt-fixed-dead:无拨号音", "flt-fixed-noise:杂音"]),
        ("flt-iptv", "IPTV障碍", "IPTV fault", ["flt-iptv-nosignal:无信号"]),
        ("flt-dia", "专线障碍", "DIA fault", ["flt-dia-down:专线中断"]),
    ],
    "maintenance": [("mnt-relocate", "线路维护", "Line maintenance", [])],
    "vas_self_service": [
        ("vas-order", "增值业务订购", "Subscribe", []),
        ("vas-cancel", "增值业务退订", "Unsubscribe", []),
        ("vas-query", "增值业务查询", "Query", []),
    ],
}


def seed(apps, schema_editor):
    Reason = apps.get_model("callcenter", "ReasonCategory")
    for interaction_type, tops in CODES.items():
        for order, (code, name, name_en, children) in enumerate(tops):
            top = Reason.objects.create(code=code, name=name, name_en=name_en, interaction_type=interaction_type,
                                        sort_order=order)  # fmt: skip
            for i, child in enumerate(children):
                child_code, child_name = child.split(":")
                Reason.objects.create(code=child_code, name=child_name, interaction_type=interaction_type, parent=top,
                                      sort_order=i)  # fmt: skip


def unseed(apps, schema_editor):
    Reason = apps.get_model("callcenter", "ReasonCategory")
    Reason.objects.filter(parent__isnull=False, code__in=[c.split(":")[0] for t in CODES.values()
                                                             for *_x, ch in t for c in ch]).delete()  # fmt: skip
    Reason.objects.filter(code__in=[code for t in CODES.values() for code, *_x in t]).delete()


class Migration(migrations.Migration):
    dependencies = [("callcenter", "0002_knowledge_search")]
    operations = [migrations.RunPython(seed, unseed)]
