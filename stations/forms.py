from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repairnet.bulk import BulkForm
from repairnet.models import Region
from repairnet.phones import PhoneFormField
from repairnet.uploads import validate_document, validate_photo

from .models import Application, CertificateKind, Position, SanctionRule, Station, Tier


class RegionChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


class RegionMultipleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj):
        return obj.full_name


def region_queryset(*, exclude_provinces: bool = True):
    qs = Region.objects.select_related("parent__parent").order_by("code")
    if exclude_provinces:
        qs = qs.exclude(level=Region.Level.PROVINCE)
    return qs


class BootstrapMixin:
    def _bootstrap(self):
        for field in self.fields.values():
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select | forms.SelectMultiple):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


class ApplicationForm(BootstrapMixin, forms.ModelForm):
    region = RegionChoiceField(label=_("Region wanted"), queryset=Region.objects.none())
    business_licence = forms.FileField(
        label=_("Business licence"), help_text=_("PDF, JPG or PNG, at most 10 MB."), validators=[validate_document]
    )
    financial_report = forms.FileField(
        label=_("Audited financial report"),
        help_text=_("Last year's balance sheet and income statement: PDF, JPG or PNG, at most 10 MB."),
        validators=[validate_document],
    )

    class Meta:
        model = Application
        fields = Application.APPLICANT_FIELDS
        widgets = {
            "staff_list": forms.Textarea(attrs={"rows": 4}),
            "equipment_notes": forms.Textarea(attrs={"rows": 3}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_queryset()
        self._bootstrap()


class StatusLookupForm(BootstrapMixin, forms.Form):
    reference = forms.CharField(label=_("Reference number"), max_length=24)
    phone = PhoneFormField(label=_("Contact phone"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class NoteForm(BootstrapMixin, forms.Form):
    note = forms.CharField(label=_("Notes"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class ReasonForm(BootstrapMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("widget", MultipleFileInput(attrs={"accept": "image/jpeg,image/png"}))
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(d, initial) for d in data]
        return [single(data, initial)] if data else []


class SiteVisitForm(BootstrapMixin, forms.Form):
    visited_on = forms.DateField(
        label=_("Site visit date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    visited_by = forms.CharField(label=_("Visited by"), max_length=100)
    notes = forms.CharField(label=_("Site visit notes"), widget=forms.Textarea(attrs={"rows": 3}))
    photos = MultipleFileField(label=_("Photos"), required=False, validators=[validate_photo])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class ScoreForm(BootstrapMixin, forms.Form):
    """One number field per active screening criterion (its maximum from the admin)."""

    def __init__(self, *args, criteria, initial_scores=None, **kwargs):
        super().__init__(*args, **kwargs)
        initial_scores = initial_scores or {}
        self.criteria = criteria
        for c in criteria:
            self.fields[f"points_{c.code}"] = forms.DecimalField(
                label=f"{c.name} (≤ {c.max_points})",
                min_value=0,
                max_value=c.max_points,
                decimal_places=1,
                initial=initial_scores.get(c.code),
            )
        self._bootstrap()

    def points(self) -> dict:
        return {c.code: self.cleaned_data[f"points_{c.code}"] for c in self.criteria}


class ApproveForm(BootstrapMixin, forms.Form):
    tier = forms.ChoiceField(label=_("Level"), choices=Tier.choices)
    code = forms.CharField(
        label=_("Station code"), max_length=20, required=False, help_text=_("Empty: assigned automatically.")
    )
    regions = RegionMultipleChoiceField(label=_("Authorised regions"), queryset=Region.objects.none(), required=False)
    scope_accessory_sales = forms.BooleanField(label=_("Accessory sales"), required=False, initial=True)
    scope_simple_repair = forms.BooleanField(label=_("Simple fault repair"), required=False, initial=True)
    scope_swap = forms.BooleanField(label=_("Spare-machine swap"), required=False)
    is_remote = forms.BooleanField(label=_("Remote area"), required=False)
    agreement_date = forms.DateField(
        label=_("Agreement date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    coordinator_username = forms.CharField(
        label=_("Coordinator username"),
        max_length=150,
        required=False,
        help_text=_("An existing login to link, or a new username; empty: created from the station code."),
    )
    deposit_amount = forms.DecimalField(
        label=_("Deposit received (¥)"),
        max_digits=12,
        decimal_places=2,
        help_text=_("The amount actually received; the level's required deposit is shown on the station pages."),
    )
    deposit_paid_on = forms.DateField(
        label=_("Deposit received on"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
    )
    deposit_reference = forms.CharField(label=_("Bank reference of the deposit"), max_length=64)
    note = forms.CharField(label=_("Decision reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["regions"].queryset = region_queryset()
        self.fields["regions"].widget.attrs["size"] = 6
        self._bootstrap()


class StationFilterForm(BootstrapMixin, forms.Form):
    q = forms.CharField(label=_("Search"), required=False)
    region = RegionChoiceField(label=_("Region"), queryset=Region.objects.none(), required=False)
    tier = forms.ChoiceField(label=_("Level"), choices=[("", _("All levels")), *Tier.choices], required=False)
    status = forms.ChoiceField(
        label=_("Status"), choices=[("", _("All states")), *Station.Status.choices], required=False
    )
    # Sends "true", the value the shared StationFilter (and the API) reads.
    understaffed = forms.BooleanField(
        label=_("Understaffed only"), required=False, widget=forms.CheckboxInput(attrs={"value": "true"})
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["region"].queryset = region_queryset(exclude_provinces=False)
        self._bootstrap()


class StationStateForm(BootstrapMixin, forms.Form):
    """Suspend, reinstate or revoke with a reason (the exit has its own form: it refunds the deposit)."""

    ACTIONS = [
        ("suspend", _("Suspend")),
        ("reinstate", _("Reinstate")),
        ("revoke", _("Revoke")),
    ]
    action = forms.ChoiceField(label=_("Action"), choices=ACTIONS)
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class StationExitForm(BootstrapMixin, forms.Form):
    """The station's exit (posted with ``action=exit``): the reason and the deposit refund paid out."""

    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}))
    refunded_on = forms.DateField(
        label=_("Refund date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
        required=False,
        help_text=_("The day the deposit balance was paid back; today when empty."),
    )
    bank_reference = forms.CharField(
        label=_("Bank reference of the refund"),
        max_length=64,
        required=False,
        help_text=_("Required when a deposit balance is refunded."),
    )

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("auto_id", "id_exit_%s")
        super().__init__(*args, **kwargs)
        self._bootstrap()


class StaffForm(BootstrapMixin, forms.Form):
    username = forms.CharField(label=_("Username"), max_length=150)
    last_name = forms.CharField(label=_("Family name"), max_length=150)
    first_name = forms.CharField(label=_("Given name"), max_length=150)
    phone = PhoneFormField(label=_("Mobile phone"), required=False)
    position = forms.ChoiceField(label=_("Position"), choices=Position.choices)
    id_number = forms.CharField(label=_("ID card number"), max_length=18, required=False)
    email = forms.EmailField(label=_("E-mail"), required=False, help_text=_("Where a password reset link is sent."))
    password = forms.CharField(
        label=_("Initial password"),
        widget=forms.PasswordInput,
        required=False,
        min_length=8,
        help_text=_("Leave empty for staff who do not log in."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class StaffEditForm(StaffForm):
    active = forms.BooleanField(label=_("Still working here"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        del self.fields["username"]
        del self.fields["password"]


class ExamForm(BootstrapMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Certificate type"), choices=CertificateKind.choices)
    trained_on = forms.DateField(
        label=_("Training date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    exam_on = forms.DateField(label=_("Exam date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"))
    theory_score = forms.DecimalField(label=_("Theory score"), min_value=0, max_value=100, decimal_places=1)
    practical_score = forms.DecimalField(label=_("Practical score"), min_value=0, max_value=100, decimal_places=1)
    issue = forms.BooleanField(label=_("Issue the certificate if passed"), required=False, initial=True)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class CertificateRevokeForm(forms.Form):
    """Revoke a certificate: the reason and the day it takes effect (today when left empty)."""

    note = forms.CharField(label=_("Reason"), required=False)  # the service asks for it ("Please give a reason.")
    effective_on = forms.DateField(
        label=_("Revoked with effect from"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
    )


class SanctionRaiseForm(BootstrapMixin, forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    rule = forms.ModelChoiceField(label=_("Rule"), queryset=SanctionRule.objects.none(), to_field_name="code")
    note = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 2}))
    evidence_ref = forms.CharField(
        label=_("Evidence"), max_length=200, required=False, help_text=_("Ticket number, complaint, photo reference…")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.order_by("code")
        self.fields["rule"].queryset = SanctionRule.objects.filter(active=True)
        self._bootstrap()


class AppealForm(BootstrapMixin, forms.Form):
    text = forms.CharField(label=_("Appeal"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class DecideForm(BootstrapMixin, forms.Form):
    decision = forms.ChoiceField(label=_("Decision"), choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Reason"), widget=forms.Textarea(attrs={"rows": 2}), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class RevocationDecideForm(BootstrapMixin, forms.Form):
    """HQ's decision on a revocation review; the service checks it (a dismissal needs the reason)."""

    DECISIONS = [
        ("revoke", _("Revoke the station")),
        ("suspend", _("Suspend the station")),
        ("dismiss", _("Dismiss the review")),
    ]
    decision = forms.ChoiceField(label=_("Decision"), choices=DECISIONS)
    note = forms.CharField(
        label=_("Reason"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_("Required to dismiss; recorded with the station's change otherwise."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class AssessmentRunForm(BootstrapMixin, forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    quarter = forms.TypedChoiceField(label=_("Quarter"), choices=[(i, f"Q{i}") for i in range(1, 5)], coerce=int)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._bootstrap()


class BulkNoteForm(BulkForm):
    """The ticked certificates renewed, or the ticked records approved, with one note for all."""

    note = forms.CharField(label=_("Note"), max_length=500, required=False)
