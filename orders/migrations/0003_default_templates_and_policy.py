"""Default work-order templates (流程模板), the province's ordering policy and credit line limits.

Operators edit them in the admin; this migration only seeds what a new installation starts with."""

from django.db import migrations

# (order type, product kind, SLA work type, name, [(code, name, kind, step limit in minutes)])
INSTALL = [
    ("resource_check", "资源核查", "system", None),
    ("port_assignment", "端口分配", "system", None),
    ("field_install", "上门装机", "field", 1440),
    ("activation", "开通激活", "system", None),
    ("billing_start", "起租计费", "system", None),
]
TEMPLATES = [
    ("new", "", "install", "新装（通用）", INSTALL),
    ("new", "broadband", "install", "宽带新装", INSTALL),
    ("new", "fixed_line", "install", "固话新装", INSTALL),
    ("new", "iptv", "install", "IPTV新装", INSTALL),
    ("new", "dia", "install", "互联网专线新装", [
        ("site_survey", "现场勘查", "field", 1440),
        ("resource_check", "资源核查", "system", None),
        ("port_assignment", "端口分配", "system", None),
        ("field_install", "上门装机", "field", 1440),
        ("acceptance_test", "开通测试验收", "back_office", 480),
        ("activation", "开通激活", "system", None),
        ("billing_start", "起租计费", "system", None),
    ]),
    ("new", "mobile", "install", "移动新入网", [
        ("activation", "开通激活", "system", None),
        ("billing_start", "起租计费", "system", None),
    ]),
    ("change", "", "change", "套餐/功能变更", [
        ("config_change", "变更配置", "system", None),
        ("billing_update", "计费变更", "system", None),
    ]),
    ("move", "", "move", "移机", [
        ("resource_check", "资源核查", "system", None),
        ("port_assignment", "端口分配", "system", None),
        ("field_move", "上门移机", "field", 1440),
        ("address_change", "装机地址变更", "system", None),
        ("billing_update", "计费变更", "system", None),
    ]),
    ("transfer", "", "transfer", "过户", [
        ("document_review", "过户资料审核", "back_office", 480),
        ("ownership_transfer", "产权变更", "system", None),
        ("billing_update", "计费变更", "system", None),
    ]),
    ("suspend", "", "suspend", "停机", [
        ("network_suspend", "网络停机", "system", None),
        ("billing_update", "计费变更", "system", None),
    ]),
    ("resume", "", "resume", "复机", [
        ("network_resume", "网络复机", "system", None),
        ("billing_update", "计费变更", "system", None),
    ]),
    ("terminate", "", "terminate", "拆机/注销", [
        ("network_deactivate", "网络拆除", "system", None),
        ("port_release", "资源回收", "system", None),
        ("billing_stop", "停止计费", "system", None),
    ]),
] + [
    ("terminate", kind, "remove", name, [
        ("network_deactivate", "网络拆除", "system", None),
        ("field_remove", "上门拆机", "field", 1440),
        ("port_release", "资源回收", "system", None),
        ("billing_stop", "停止计费", "system", None),
    ])
    for kind, name in (("broadband", "宽带拆机"), ("fixed_line", "固话拆机"), ("iptv", "IPTV拆机"), ("dia", "专线拆机"))
] + [
    ("vas_add", "", "vas", "增值业务订购", [
        ("vas_activate", "开通增值业务", "system", None),
        ("billing_update", "计费变更", "system", None),
    ]),
    ("vas_remove", "", "vas", "增值业务退订", [
        ("vas_deactivate", "退订增值业务", "system", None),
        ("billing_update", "计费变更", "system", None),
    ]),
    ("port_out", "", "port_out", "携号转出", [
        ("retention_contact", "维系挽留", "care", 1440),
        ("auth_code_release", "发放授权码", "system", None),
        ("port_out_confirm", "携出确认", "back_office", 1440),
        ("terminate_product", "注销号码", "system", None),
        ("billing_stop", "停止计费", "system", None),
    ]),
    ("port_in", "", "port_in", "携号转入", [
        ("port_in_check", "携入校验", "system", None),
        ("activation", "开通激活", "system", None),
        ("billing_start", "起租计费", "system", None),
    ]),
]  # fmt: skip
CREDIT_LINE_LIMITS = [(0, 1), (40, 3), (60, 5), (80, 10)]


def seed(apps, schema_editor):
    Template = apps.get_model("orders", "WorkOrderTemplate")
    Step = apps.get_model("orders", "WorkOrderStepTemplate")
    for order_type, kind, work_type, name, steps in TEMPLATES:
        template = Template.objects.create(order_type=order_type, spec_kind=kind, work_type=work_type, name=name)
        Step.objects.bulk_create(
            Step(template=template, seq=i, code=code, name=step_name, kind=step_kind, limit_minutes=limit)
            for i, (code, step_name, step_kind, limit) in enumerate(steps, start=1)
        )
    apps.get_model("orders", "OrderingPolicy").objects.create(region=None, arrears_block_yuan=50)
    Limit = apps.get_model("orders", "CreditLineLimit")
    Limit.objects.bulk_create(Limit(min_rating=r, max_lines=n) for r, n in CREDIT_LINE_LIMITS)


def unseed(apps, schema_editor):
    Template = apps.get_model("orders", "WorkOrderTemplate")
    for order_type, kind, *_rest in TEMPLATES:
        Template.objects.filter(order_type=order_type, spec_kind=kind).delete()
    apps.get_model("orders", "OrderingPolicy").objects.filter(region=None).delete()
    apps.get_model("orders", "CreditLineLimit").objects.filter(
        min_rating__in=[r for r, _n in CREDIT_LINE_LIMITS]
    ).delete()


class Migration(migrations.Migration):
    dependencies = [("orders", "0002_orders_work_orders_resources")]
    operations = [migrations.RunPython(seed, unseed)]
