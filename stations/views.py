import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_POST

from repairnet import roles
from repairnet.bulk import bulk_page
from repairnet.exports import pdf_download
from repairnet.filestore import stored_file_response
from repairnet.filters import page_rows
from repairnet.forms import add_service_errors, error_text, service_accepted
from repairnet.models import User
from repairnet.redirects import redirect_next
from repairnet.replica import report_view
from repairnet.selectors import audit_list_for_object

from . import exports, filters, forms, selectors, services
from .models import Application, Assessment, Certificate, RevocationReview, Sanction, SiteVisitPhoto, Station

# --- public application ---------------------------------------------------------------------------


def apply(request):
    """Public application form (no login)."""
    form = forms.ApplicationForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = {k: v for k, v in form.cleaned_data.items() if k not in ("business_licence", "financial_report")}
        try:
            application = services.application_submit(
                data=data,
                business_licence=form.cleaned_data["business_licence"],
                financial_report=form.cleaned_data["financial_report"],
            )
        except ValidationError as exc:
            add_service_errors(form, exc)
        else:
            request.session["stations_application_ref"] = application.reference
            return redirect("stations:apply-done")
    return render(request, "stations/apply.html", {"form": form})


def apply_done(request):
    reference = request.session.get("stations_application_ref")
    if not reference:
        return redirect("stations:apply")
    return render(request, "stations/apply_done.html", {"reference": reference})


def application_status(request):
    """Applicants see their own application's status with reference number + contact phone."""
    form = forms.StatusLookupForm(request.POST or request.GET or None)
    application = None
    if form.is_bound and form.is_valid():
        application = selectors.application_for_applicant(
            reference=form.cleaned_data["reference"], phone=form.cleaned_data["phone"]
        )
        if application is None:
            form.add_error(None, _("No application matches this reference number and phone."))
        elif request.method == "POST" and request.POST.get("withdraw"):
            try:
                application = services.application_withdraw_by_applicant(
                    reference=application.reference,
                    phone=application.contact_phone,
                    reason=request.POST.get("reason", ""),
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("Your application was withdrawn."))
    return render(
        request,
        "stations/application_status.html",
        {"form": form, "application": application, "open_states": Application.OPEN_STATES},
    )


# --- HQ review ------------------------------------------------------------------------------------


@roles.role_required("stations.applications.review")
def application_list(request):
    status = request.GET.get("status", "")
    qs = page_rows(request, filters.ApplicationFilter, selectors.application_list())
    counts = dict(Application.objects.values_list("status").annotate(n=Count("pk")))
    page = Paginator(qs, 25).get_page(request.GET.get("page"))
    states = [(value, label, counts.get(value, 0)) for value, label in Application.Status.choices]
    return render(request, "stations/application_list.html", {"page_obj": page, "states": states, "status": status})


def _application_context(application, **extra):
    day = selectors.application_day(application)
    criteria = selectors.screening_criteria(on=day)
    initial_tier = application.recommended_tier or application.tier_wanted
    requirement = selectors.tier_requirement(initial_tier, on=day)
    scores = {s.criterion.code: s for s in application.scores.select_related("criterion")}
    context = {
        "application": application,
        "eligibility": selectors.tier_eligibility(application=application),
        "scores": [(c, scores.get(c.code)) for c in criteria],
        "events": audit_list_for_object(obj=application),
        "photos": list(application.photos.all()),
        "documents_form": forms.NoteForm(prefix="doc"),
        "visit_form": forms.SiteVisitForm(prefix="visit", initial={"visited_on": timezone.localdate()}),
        "score_form": forms.ScoreForm(
            prefix="score", criteria=criteria, initial_scores={k: v.points for k, v in scores.items()}
        ),
        "approve_form": forms.ApproveForm(
            prefix="approve",
            initial={
                "tier": initial_tier,
                "regions": [application.region_id],
                "scope_simple_repair": initial_tier != "accessory_point",
                "deposit_amount": requirement.deposit if requirement is not None else None,
            },
        ),
        "reject_form": forms.ReasonForm(prefix="reject"),
    }
    context.update(extra)
    return context


@roles.role_required("stations.applications.review")
def application_detail(request, pk: int):
    application = get_object_or_404(Application.objects.select_related("region__parent__parent", "station"), pk=pk)
    return render(request, "stations/application_detail.html", _application_context(application))


@require_POST
@roles.role_required("stations.applications.review")
def application_action(request, pk: int, action: str):
    application = get_object_or_404(Application.objects.select_related("region__parent__parent"), pk=pk)
    user = request.user
    extra = {}
    try:
        if action == "check-documents":
            form = forms.NoteForm(request.POST, prefix="doc")
            form.is_valid()
            services.application_check_documents(
                application=application, actor=user, note=form.cleaned_data.get("note", "")
            )
            messages.success(request, _("Documents checked."))
        elif action == "visit":
            form = forms.SiteVisitForm(request.POST, request.FILES, prefix="visit")
            if not form.is_valid():
                extra["visit_form"] = form
                raise ValidationError(_("Please correct the site visit record."))
            services.application_record_visit(
                application=application,
                actor=user,
                visited_on=form.cleaned_data["visited_on"],
                visited_by=form.cleaned_data["visited_by"],
                notes=form.cleaned_data["notes"],
                photos=form.cleaned_data["photos"],
            )
            messages.success(request, _("Site visit recorded."))
        elif action == "score":
            form = forms.ScoreForm(
                request.POST,
                prefix="score",
                criteria=selectors.screening_criteria(on=selectors.application_day(application)),
            )
            if not form.is_valid():
                extra["score_form"] = form
                raise ValidationError(_("Please correct the scores."))
            services.application_score(application=application, actor=user, points=form.points())
            messages.success(request, _("Screening scores saved."))
        elif action == "approve":
            form = forms.ApproveForm(request.POST, prefix="approve")
            if not form.is_valid():
                extra["approve_form"] = form
                raise ValidationError(_("Please correct the approval form."))
            d = form.cleaned_data
            try:
                application = services.application_approve(
                    application=application,
                    actor=user,
                    tier=d["tier"],
                    code=d["code"],
                    regions=list(d["regions"]),
                    scope_accessory_sales=d["scope_accessory_sales"],
                    scope_simple_repair=d["scope_simple_repair"],
                    scope_swap=d["scope_swap"],
                    is_remote=d["is_remote"],
                    agreement_date=d["agreement_date"],
                    coordinator_username=d["coordinator_username"],
                    note=d["note"],
                    deposit_amount=d["deposit_amount"],
                    deposit_paid_on=d["deposit_paid_on"],
                    deposit_reference=d["deposit_reference"],
                )
            except ValidationError as exc:
                if hasattr(exc, "error_dict"):  # on a field of the form (the deposit received): show it there
                    add_service_errors(form, exc)
                    extra["approve_form"] = form
                raise
            text = _("Approved: station %(code)s is active.") % {"code": application.station.code}
            if application.coordinator_password:
                text += " " + _("Coordinator login %(user)s, initial password %(pw)s (shown once).") % {
                    "user": application.coordinator.username,
                    "pw": application.coordinator_password,
                }
            messages.success(request, text)
            return redirect("stations:station-detail", pk=application.station.pk)
        elif action == "reject":
            form = forms.ReasonForm(request.POST, prefix="reject")
            services.application_reject(application=application, actor=user, reason=form.data.get("reject-reason", ""))
            messages.success(request, _("Application rejected."))
        elif action == "withdraw":
            services.application_withdraw(application=application, actor=user, reason=request.POST.get("reason", ""))
            messages.success(request, _("Application withdrawn."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, error_text(exc))
        if extra:
            application.refresh_from_db()
            return render(
                request, "stations/application_detail.html", _application_context(application, **extra), status=400
            )
    return redirect("stations:application-detail", pk=application.pk)


@roles.role_required("stations.applications.review")
def application_document(request, pk: int, which: str):
    """Uploaded documents are private: streamed only to HQ reviewers."""
    application = get_object_or_404(Application, pk=pk)
    if which in ("business_licence", "financial_report"):
        field = getattr(application, which)
    elif which.startswith("photo-") and which[6:].isdigit():
        field = get_object_or_404(SiteVisitPhoto, application=application, pk=int(which[6:])).image
    else:
        raise Http404
    if not field:
        raise Http404
    return stored_file_response(field, filename=f"{application.reference}-{which}{field.name[field.name.rfind('.') :]}")


@roles.role_required("stations.applications.review")
def application_report(request, pk: int):
    application = get_object_or_404(Application.objects.select_related("region__parent__parent", "station"), pk=pk)
    path = exports.application_review_pdf(application=application)
    return pdf_download(path, f"review-{application.reference}.pdf")


# --- stations -------------------------------------------------------------------------------------


@roles.role_required("stations.directory")
def directory(request):
    form = forms.StationFilterForm(request.GET or None)
    qs = page_rows(request, filters.StationFilter, selectors.station_list_for(user=request.user))
    page = Paginator(qs, 30).get_page(request.GET.get("page"))
    requirements = selectors.tier_requirements()
    return render(request, "stations/directory.html", {"form": form, "page_obj": page, "requirements": requirements})


@roles.role_required("stations.view")
def my_station(request):
    if request.user.station_id is None:
        raise Http404
    return redirect("stations:station-detail", pk=request.user.station_id)


@roles.role_required("stations.view")
def station_detail(request, pk: int):
    station = get_object_or_404(Station.objects.prefetch_related("regions__parent__parent"), pk=pk)
    roles.require(request.user, "stations.view", station)
    can_staff = roles.can(request.user, "stations.staff.view", station)
    requirement = selectors.tier_requirement(station.tier)
    context = {
        "station": station,
        "requirement": requirement,
        "staff": list(selectors.station_staff(station=station)) if can_staff else None,
        "tier_changes": list(station.tier_changes.select_related("actor")),
        "certified": selectors.certified_engineer_counts(station_ids=[station.pk]).get(station.pk, 0),
        "deposit": selectors.station_deposit_balance(station=station),
        "open_tickets": selectors.station_open_tickets(station=station),
        "latest_inspection": selectors.station_latest_inspection(station=station),
        "sanctions": list(station.sanctions.select_related("rule", "revocation_review")[:10])
        if roles.can(request.user, "stations.sanctions.view", station)
        else None,
        "revocation_reviews": list(station.revocation_reviews.select_related("sanction__rule")[:10])
        if roles.can(request.user, "stations.revocation_reviews.view", station)
        else None,
        "assessments": list(station.assessments.all()[:4]),
        "state_form": forms.StationStateForm(),
        "events": list(audit_list_for_object(obj=station).reverse()[:20]),
    }
    if roles.can(request.user, "stations.manage", station):
        context["required_deposit"] = requirement.deposit if requirement is not None else None
        if station.status == Station.Status.ACTIVE:
            context["exit_blockers"] = selectors.station_exit_blockers(station=station, user=request.user)
            context["exit_form"] = forms.StationExitForm()
    return render(request, "stations/station_detail.html", context)


STATE_ACTIONS = {
    "suspend": services.station_suspend,
    "reinstate": services.station_reinstate,
    "revoke": services.station_revoke,
}


@require_POST
@roles.role_required("stations.manage")
def station_state(request, pk: int):
    station = get_object_or_404(Station, pk=pk)
    if request.POST.get("action") == "exit":
        return _station_exit(request, station)
    form = forms.StationStateForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose an action and give a reason."))
    else:
        try:
            STATE_ACTIONS[form.cleaned_data["action"]](
                station=station, actor=request.user, note=form.cleaned_data["note"]
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Station status updated."))
    return redirect("stations:station-detail", pk=station.pk)


def _station_exit(request, station: Station):
    """The exit card of the station page: the service checks the blockers and refunds the deposit."""
    form = forms.StationExitForm(request.POST)
    if not form.is_valid():
        messages.error(request, error_text(ValidationError(form.errors)))
        return redirect("stations:station-detail", pk=station.pk)
    try:
        services.station_exit(
            station=station,
            actor=request.user,
            note=form.cleaned_data["note"],
            refunded_on=form.cleaned_data["refunded_on"],
            bank_reference=form.cleaned_data["bank_reference"],
        )
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    else:
        messages.success(
            request, _("Station %(code)s has exited; the deposit balance was refunded.") % {"code": station.code}
        )
    return redirect("stations:station-detail", pk=station.pk)


def _station_pdf(*, status: str, refusal: str, build, filename: str):
    """A view of a PDF that only a station in ``status`` has (its staff and HQ); any other station's page
    answers with ``refusal``. ``filename`` may name the station's ``{code}``."""

    @roles.role_required("stations.view")
    def view(request, pk: int):
        station = get_object_or_404(Station, pk=pk)
        roles.require(request.user, "stations.view", station)
        if station.status != status:
            messages.error(request, refusal)
            return redirect("stations:station-detail", pk=station.pk)
        return pdf_download(build(station=station), filename.format(code=station.code))

    return view


station_certificate = _station_pdf(
    status=Station.Status.ACTIVE,
    refusal=gettext_lazy("Only an active station has an authorisation certificate."),
    build=exports.station_certificate_pdf,
    filename="authorisation-{code}.pdf",
)
station_exit_confirmation = _station_pdf(  # 退出确认书
    status=Station.Status.EXITED,
    refusal=gettext_lazy("Only an exited station has an exit confirmation."),
    build=exports.station_exit_confirmation_pdf,
    filename="exit-{code}.pdf",
)


# --- staff and certificates -------------------------------------------------------------------------


@roles.role_required("stations.staff.view")
def staff_list(request, pk: int):
    station = get_object_or_404(Station, pk=pk)
    roles.require(request.user, "stations.staff.view", station)
    form = forms.StaffForm(request.POST or None)
    if request.method == "POST":
        roles.require(request.user, "stations.staff.manage", station)
        if service_accepted(form, functools.partial(services.staff_add, station=station, actor=request.user)):
            messages.success(request, _("Staff member added."))
            return redirect("stations:staff", pk=station.pk)
    return render(
        request,
        "stations/staff_list.html",
        {
            "station": station,
            "staff": list(selectors.station_staff(station=station)),
            "form": form,
            "can_manage": roles.can(request.user, "stations.staff.manage", station),
        },
    )


@roles.role_required("stations.staff.view")
def staff_detail(request, user_id: int):
    person = get_object_or_404(
        User.objects.select_related("station", "staff_profile"), pk=user_id, station__isnull=False
    )
    roles.require(request.user, "stations.staff.view", person.station)
    profile = getattr(person, "staff_profile", None)
    edit_form = forms.StaffEditForm(
        request.POST or None,
        initial={
            "last_name": person.last_name,
            "first_name": person.first_name,
            "phone": person.phone,
            "position": profile.position if profile else "repair_technician",
            "id_number": profile.id_number if profile else "",
            "email": person.email,
            "active": person.is_active,
        },
    )
    if request.method == "POST":
        roles.require(request.user, "stations.staff.manage", person.station)
        if service_accepted(edit_form, functools.partial(services.staff_update, user=person, actor=request.user)):
            messages.success(request, _("Saved."))
            return redirect("stations:staff-detail", user_id=person.pk)
    return render(
        request,
        "stations/staff_detail.html",
        {
            "person": person,
            "profile": profile,
            "form": edit_form,
            "exam_form": forms.ExamForm(),
            "exams": list(person.exam_results.all()),
            "certificates": list(person.certificates.all()),
            "can_manage": roles.can(request.user, "stations.staff.manage", person.station),
            "can_certify": roles.can(request.user, "stations.certificates.manage"),
            "can_force_password_reset": roles.can(request.user, "users.password_reset.force"),
            "today": timezone.localdate(),
        },
    )


@require_POST
@roles.role_required("stations.certificates.manage")
def staff_exam(request, user_id: int):
    person = get_object_or_404(User, pk=user_id, station__isnull=False)
    form = forms.ExamForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please correct the exam record.") + " " + form.errors.as_text())
        return redirect("stations:staff-detail", user_id=person.pk)
    d = form.cleaned_data
    try:
        exam = services.exam_record(
            user=person,
            kind=d["kind"],
            trained_on=d["trained_on"],
            exam_on=d["exam_on"],
            theory_score=d["theory_score"],
            practical_score=d["practical_score"],
            actor=request.user,
        )
        if exam.passed and d["issue"]:
            cert = services.certificate_issue(exam=exam, actor=request.user)
            messages.success(request, _("Exam passed; certificate %(number)s issued.") % {"number": cert.number})
        elif exam.passed:
            messages.success(request, _("Exam passed."))
        else:
            messages.warning(request, _("Exam not passed; no certificate."))
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect("stations:staff-detail", user_id=person.pk)


@require_POST
@roles.role_required("stations.certificates.manage")
def certificate_action(request, pk: int, action: str):
    cert = get_object_or_404(Certificate, pk=pk)
    try:
        if action == "renew":
            services.certificate_renew(certificate=cert, actor=request.user, note=request.POST.get("note", ""))
            messages.success(request, _("Certificate renewed."))
        elif action == "revoke":
            form = forms.CertificateRevokeForm(request.POST)
            if not form.is_valid():
                raise ValidationError(form.errors.as_data())
            services.certificate_revoke(
                certificate=cert,
                actor=request.user,
                note=form.cleaned_data["note"],
                effective_on=form.cleaned_data["effective_on"],
            )
            messages.success(request, _("Certificate revoked."))
        elif action == "issue":
            raise Http404
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    return redirect_next(request, "stations:staff-detail", user_id=cert.user_id)


def _certificate_rows(request):
    qs = selectors.certificate_list(user=request.user).order_by("expires_on", "pk")
    return page_rows(request, filters.CertificateFilter, qs, defaults={"show": "valid"})


@roles.role_required("stations.certificates.view")
def certificate_list(request):
    show = request.GET.get("show", "valid")
    today = timezone.localdate()
    page = Paginator(_certificate_rows(request), 50).get_page(request.GET.get("page"))
    can_manage = roles.can(request.user, "stations.certificates.manage")
    return render(
        request,
        "stations/certificate_list.html",
        {"page_obj": page, "show": show, "today": today, "can_manage": can_manage},
    )


@roles.role_required("stations.certificates.view")
@report_view
@require_GET
def certificate_export(request):
    return exports.CERTIFICATES_EXPORT.response(_certificate_rows(request))


@require_POST
@roles.role_required("stations.certificates.manage")
def certificate_bulk_renew(request):
    """Renew the ticked certificates: ``certificate_renew`` once per certificate."""
    form = forms.BulkNoteForm(request.POST)
    return bulk_page(
        request,
        form=form,
        queryset=selectors.certificate_list(user=request.user),
        call=lambda c: services.certificate_renew(certificate=c, actor=request.user, note=form.cleaned_data["note"]),
        label=lambda c: c.number,
        default="stations:certificates",
    )


# --- assessments ------------------------------------------------------------------------------------


@roles.role_required("stations.assessments.view")
def assessment_list(request):
    today = timezone.localdate()
    run_form = forms.AssessmentRunForm(
        request.POST or None, initial={"year": today.year, "quarter": (today.month - 1) // 3 + 1}
    )
    if request.method == "POST":
        roles.require(request.user, "stations.assessments.decide")
        if run_form.is_valid():
            try:
                rows = services.assessment_run(
                    year=run_form.cleaned_data["year"], quarter=run_form.cleaned_data["quarter"], actor=request.user
                )
            except ValidationError as exc:
                messages.error(request, error_text(exc))
            else:
                messages.success(request, _("%(n)s stations assessed.") % {"n": len(rows)})
                return redirect(
                    f"{reverse('stations:assessments')}?year={run_form.cleaned_data['year']}"
                    f"&quarter={run_form.cleaned_data['quarter']}"
                )
    qs = page_rows(request, filters.AssessmentFilter, selectors.assessment_list(user=request.user))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "stations/assessment_list.html",
        {
            "page_obj": page,
            "run_form": run_form,
            "statuses": Assessment.Status.choices,
            "can_decide": roles.can(request.user, "stations.assessments.decide"),
        },
    )


@require_POST
@roles.role_required("stations.assessments.decide")
def assessment_decide(request, pk: int):
    assessment = get_object_or_404(Assessment, pk=pk)
    form = forms.DecideForm(request.POST)
    if form.is_valid():
        try:
            services.assessment_decide(
                assessment=assessment,
                actor=request.user,
                approve=form.cleaned_data["decision"] == "approve",
                note=form.cleaned_data["note"],
            )
        except ValidationError as exc:
            messages.error(request, error_text(exc))
        else:
            messages.success(request, _("Decision recorded."))
    return redirect_next(request, "stations:assessments")


# --- sanctions --------------------------------------------------------------------------------------


@roles.role_required("stations.sanctions.view")
def sanction_list(request):
    status = request.GET.get("status", "")
    qs = page_rows(request, filters.SanctionFilter, selectors.sanction_list(user=request.user))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    raise_form = forms.SanctionRaiseForm(request.POST or None)
    if request.method == "POST":
        roles.require(request.user, "stations.sanctions.raise")
        if raise_form.is_valid():
            d = raise_form.cleaned_data
            try:
                services.sanction_raise(
                    station=d["station"],
                    rule_code=d["rule"].code,
                    actor=request.user,
                    note=d["note"],
                    evidence_ref=d["evidence_ref"],
                )
            except ValidationError as exc:
                add_service_errors(raise_form, exc)
            else:
                messages.success(request, _("Record raised; the station may appeal within the window."))
                return redirect("stations:sanctions")
    return render(
        request,
        "stations/sanction_list.html",
        {
            "page_obj": page,
            "status": status,
            "statuses": Sanction.Status.choices,
            "raise_form": raise_form if roles.can(request.user, "stations.sanctions.raise") else None,
            "can_appeal": roles.can(request.user, "stations.sanctions.appeal"),
            "can_decide": roles.can(request.user, "stations.sanctions.decide"),
            "today": timezone.localdate(),
        },
    )


@roles.role_required("stations.sanctions.view")
@report_view
@require_GET
def sanction_export(request):
    qs = page_rows(request, filters.SanctionFilter, selectors.sanction_list(user=request.user))
    return exports.SANCTIONS_EXPORT.response(qs)


@require_POST
@roles.role_required("stations.sanctions.decide")
def sanction_bulk_approve(request):
    """Approve the ticked records: ``sanction_decide`` once per record (an appealed one needs the note)."""
    form = forms.BulkNoteForm(request.POST)
    return bulk_page(
        request,
        form=form,
        queryset=selectors.sanction_list(user=request.user),
        call=lambda s: services.sanction_decide(
            sanction=s, actor=request.user, approve=True, note=form.cleaned_data["note"]
        ),
        label=lambda s: f"#{s.pk} {s.station.code}",
        default="stations:sanctions",
    )


@require_POST
@roles.role_required("stations.sanctions.view")
def sanction_action(request, pk: int, action: str):
    sanction = get_object_or_404(Sanction, pk=pk)
    roles.require(request.user, "stations.sanctions.view", sanction)
    try:
        if action == "appeal":
            services.sanction_appeal(sanction=sanction, actor=request.user, text=request.POST.get("text", ""))
            messages.success(request, _("Appeal submitted."))
        elif action == "decide":
            services.sanction_decide(
                sanction=sanction,
                actor=request.user,
                approve=request.POST.get("decision") == "approve",
                note=request.POST.get("note", ""),
            )
            messages.success(request, _("Decision recorded."))
        else:
            raise Http404
    except ValidationError as exc:
        messages.error(request, error_text(exc))
    except PermissionDenied:
        raise
    return redirect("stations:sanctions")


# --- revocation reviews -----------------------------------------------------------------------------


@roles.role_required("stations.revocation_reviews.view")
def revocation_review_list(request):
    """Open reviews first, then the decided ones; a coordinator sees only its own station's."""
    status = request.GET.get("status", "")
    qs = page_rows(request, filters.RevocationReviewFilter, selectors.revocation_review_list(user=request.user))
    page = Paginator(qs, 50).get_page(request.GET.get("page"))
    return render(
        request,
        "stations/revocation_review_list.html",
        {"page_obj": page, "status": status, "statuses": RevocationReview.Status.choices},
    )


@roles.role_required("stations.revocation_reviews.view")
def revocation_review_detail(request, pk: int):
    """The review with its record and history; HQ decides it here (POST)."""
    review = get_object_or_404(selectors.revocation_review_list(user=request.user), pk=pk)
    form = forms.RevocationDecideForm(request.POST or None)
    if request.method == "POST":
        roles.require(request.user, "stations.revocation_reviews.decide", review)
        if form.is_valid():
            try:
                review = services.revocation_review_decide(
                    review=review,
                    actor=request.user,
                    decision=form.cleaned_data["decision"],
                    note=form.cleaned_data["note"],
                )
            except ValidationError as exc:
                add_service_errors(form, exc)
            else:
                messages.success(request, _("Decision recorded: %(status)s.") % {"status": review.get_status_display()})
                return redirect("stations:revocation-review-detail", pk=review.pk)
    return render(
        request,
        "stations/revocation_review_detail.html",
        {
            "review": review,
            "form": form,
            "can_decide": review.status == RevocationReview.Status.OPEN
            and roles.can(request.user, "stations.revocation_reviews.decide", review),
            "events": list(audit_list_for_object(obj=review)),
        },
    )
