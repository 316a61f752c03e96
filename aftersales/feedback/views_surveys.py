"""Survey pages: the list and results (staff), creating and sending (leads), and the public
answer page ``/feedback/s/<token>/`` (no login: the signed link is the key)."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.http import require_http_methods

from aftersales.core import clock
from aftersales.core.access import is_lead, require_lead, require_staff
from aftersales.core.forms import attach_errors
from aftersales.feedback import surveys
from aftersales.feedback.forms_surveys import AnswerForm, RecipientsForm, SurveyForm
from aftersales.feedback.models import Survey

PAGE_SIZE = 25


def _get_survey(user: object, pk: int) -> Survey:
    require_staff(user)
    survey = Survey.objects.select_related("created_by__agent_profile").filter(pk=pk).first()
    if survey is None:
        raise Http404("No such survey")
    return survey


@require_http_methods(["GET"])
@login_required
def survey_list(request: HttpRequest) -> HttpResponse:
    require_staff(request.user)
    queryset = Survey.objects.annotate(
        invited=Count("invitations"), answered=Count("invitations", filter=Q(invitations__score__isnull=False))
    ).order_by("-created_at", "-pk")
    page = Paginator(queryset, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request,
        "feedback/surveys/list.html",
        {
            "page": page,
            "paginator": page.paginator,
            "now": clock.now(),
            "is_lead": is_lead(request.user),
            "section": "feedback_surveys",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def survey_create(request: HttpRequest) -> HttpResponse:
    require_lead(request.user)
    form = SurveyForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            survey = surveys.create_survey(
                actor=request.user,
                name=form.cleaned_data["name"],
                closes_at=form.closes_at(),
                nps_question=surveys.texts(form.cleaned_data["nps_en"], form.cleaned_data["nps_zh"]),
                questions=form.questions(),
            )
        except ValidationError as exc:
            if hasattr(exc, "error_dict") and "closes_at" in exc.error_dict:
                exc = ValidationError({"closes_on": exc.error_dict["closes_at"]})
            attach_errors(form, exc)
        else:
            messages.success(request, _("Survey created. Now choose who receives it."))
            return redirect("feedback:survey_send", pk=survey.pk)
    status = 400 if request.method == "POST" else 200
    return render(request, "feedback/surveys/form.html", {"form": form, "section": "feedback_surveys"}, status=status)


@require_http_methods(["GET"])
@login_required
def survey_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The results: NPS, the distribution of scores, and every answer."""
    survey = _get_survey(request.user, pk)
    figures = surveys.nps_figures(survey.invitations.all())
    answers = Paginator(surveys.answers_for(survey), PAGE_SIZE).get_page(request.GET.get("page"))
    language = translation.get_language() or "en"
    return render(
        request,
        "feedback/surveys/detail.html",
        {
            "survey": survey,
            "figures": figures,
            "page": answers,
            "paginator": answers.paginator,
            "counts": surveys.delivery_counts(survey),
            "questions": survey.question_texts(language),
            "nps_question": survey.nps_text(language),
            "is_open": survey.is_open(clock.now()),
            "is_lead": is_lead(request.user),
            "section": "feedback_surveys",
        },
    )


@require_http_methods(["GET", "POST"])
@login_required
def survey_send(request: HttpRequest, pk: int) -> HttpResponse:
    survey = _get_survey(request.user, pk)
    require_lead(request.user)
    form = RecipientsForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        contacts = surveys.recipients(
            scope=form.cleaned_data["scope"],
            customers=form.cleaned_data["customers"],
            primary_only=form.cleaned_data["primary_only"],
        )
        try:
            invited = surveys.send_survey(survey=survey, contacts=contacts, actor=request.user)
        except ValidationError as exc:
            attach_errors(form, exc)
        else:
            messages.success(request, _("Survey sent to %(count)d contacts.") % {"count": invited})
            return redirect("feedback:survey_detail", pk=survey.pk)
    status = 400 if request.method == "POST" else 200
    return render(
        request,
        "feedback/surveys/send.html",
        {
            "form": form,
            "survey": survey,
            "is_open": survey.is_open(clock.now()),
            "primary_count": surveys.recipients(scope=surveys.SCOPE_PRIMARY).count(),
            "section": "feedback_surveys",
        },
        status=status,
    )


@csrf_protect
@require_http_methods(["GET", "POST"])
def survey_answer(request: HttpRequest, token: str) -> HttpResponse:
    """The contact's answer page: GET shows the form (with their answer so far), POST stores it."""
    invitation = surveys.read_token(token)
    if invitation is None:
        return render(request, "feedback/surveys/answer_invalid.html", status=404)
    survey = invitation.survey
    language = invitation.language or "en"
    with translation.override(language):
        if not survey.is_open(clock.now()):
            return render(
                request,
                "feedback/surveys/answer_closed.html",
                {"survey": survey, "invitation": invitation, "language": language},
                status=410,
            )
        questions = survey.question_texts(language)
        initial = {"score": invitation.score}
        initial.update({f"answer_{i}": text for i, text in enumerate(invitation.answers or [])})
        form = AnswerForm(request.POST or None, questions=questions, initial=initial)
        saved = False
        status = 200
        if request.method == "POST":
            if form.is_valid():
                try:
                    invitation = surveys.record_answer(
                        invitation=invitation, score=form.cleaned_data["score"], answers=form.answers()
                    )
                except ValidationError as exc:
                    attach_errors(form, exc, default_field="score")
                    status = 400
                else:
                    saved = True
            else:
                status = 400
        return render(
            request,
            "feedback/surveys/answer.html",
            {
                "form": form,
                "survey": survey,
                "invitation": invitation,
                "saved": saved,
                "language": language,
                "nps_question": survey.nps_text(language),
                "scores": list(range(11)),
            },
            status=status,
        )
