"""The customer's survey form behind the SMS link (/portal/survey/<token>/): no login, made for a phone."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect

from . import services
from .models import SurveyInvitation, SurveyQuestion

RATINGS = [(str(n), str(n)) for n in range(1, 6)]
YES_NO = [("yes", _("Yes")), ("no", _("No"))]


class SurveyForm(forms.Form):
    """One field per question: q<id>; ratings and yes/no as big buttons, text optional."""

    def __init__(self, *args, questions: list[SurveyQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            name = f"q{question.pk}"
            if question.kind == SurveyQuestion.Kind.RATING:
                field = forms.ChoiceField(label=question.text, choices=RATINGS, widget=forms.RadioSelect)
            elif question.kind == SurveyQuestion.Kind.YES_NO:
                field = forms.ChoiceField(label=question.text, choices=YES_NO, widget=forms.RadioSelect)
            else:
                field = forms.CharField(
                    label=question.text, required=False, max_length=services.TEXT_MAX,
                    widget=forms.Textarea(attrs={"rows": 3}),
                )  # fmt: skip
            field.kind = question.kind
            self.fields[name] = field

    def answers(self) -> dict[int, str]:
        return {question.pk: self.cleaned_data.get(f"q{question.pk}", "") for question in self.questions}


@never_cache
@csrf_protect
def survey_form(request, token: str):
    """Show the questions, take the answers once, thank the customer."""
    invitation = get_object_or_404(SurveyInvitation.objects.select_related("survey"), token=token)
    if invitation.status == SurveyInvitation.Status.ANSWERED:
        return render(request, "feedback/portal_closed.html", {"reason": "answered"})
    if services.survey_expired(invitation):
        return render(request, "feedback/portal_closed.html", {"reason": "expired"})
    questions = list(invitation.survey.questions.order_by("seq"))
    form = SurveyForm(request.POST or None, questions=questions)
    if request.method == "POST" and form.is_valid():
        try:
            services.survey_answer(invitation=invitation, answers=form.answers())
        except ValidationError as exc:
            invitation.refresh_from_db()
            if invitation.status == SurveyInvitation.Status.ANSWERED:  # answered meanwhile in another tab
                return render(request, "feedback/portal_closed.html", {"reason": "answered"})
            for message in exc.messages:
                form.add_error(None, message)
        else:
            return render(request, "feedback/portal_thanks.html", {"survey": invitation.survey})
    status = 400 if request.method == "POST" else 200
    return render(request, "feedback/portal_survey.html", {"form": form, "survey": invitation.survey}, status=status)


urlpatterns = [
    path("survey/<str:token>/", survey_form, name="survey"),
]
