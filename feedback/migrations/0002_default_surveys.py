"""The two default surveys (回访问卷): after a work order is completed and after a trouble ticket is resolved.

Operators edit questions and thresholds in the admin; this migration only seeds what a new installation starts with."""

from django.db import migrations

# (code, name, trigger, [(seq, text, kind, dissatisfied_below)])
SURVEYS = [
    ("work-order", "装维服务回访", "work_order_completed", [
        (1, "装维服务满意度", "rating", 4),
        (2, "是否按约上门", "yes_no", None),
        (3, "意见建议", "text", None),
    ]),
    ("ticket", "故障/投诉处理回访", "ticket_closed", [
        (1, "问题是否解决", "yes_no", None),
        (2, "服务满意度", "rating", 4),
        (3, "意见建议", "text", None),
    ]),
]  # fmt: skip


def seed(apps, schema_editor):
    Survey = apps.get_model("feedback", "Survey")
    Question = apps.get_model("feedback", "SurveyQuestion")
    for code, name, trigger, questions in SURVEYS:
        survey, created = Survey.objects.get_or_create(code=code, defaults={"name": name, "trigger": trigger})
        if not created:
            continue
        for seq, text, kind, below in questions:
            Question.objects.create(survey=survey, seq=seq, text=text, kind=kind, dissatisfied_below=below)


def unseed(apps, schema_editor):
    Survey = apps.get_model("feedback", "Survey")
    # Surveys already sent are kept (their invitations protect them); only unused defaults go.
    for code, *_rest in SURVEYS:
        Survey.objects.filter(code=code, invitations__isnull=True).delete()


class Migration(migrations.Migration):
    dependencies = [("feedback", "0001_surveys_and_care_tasks")]

    operations = [migrations.RunPython(seed, unseed)]
