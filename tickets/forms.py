from django import forms
from django.core.exceptions import ValidationError
from django.forms.models import ModelChoiceIterator
from django.forms.utils import flatatt
from django.utils import timezone
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _

from repairnet import roles
from repairnet.bulk import BulkForm
from repairnet.models import Region, User
from repairnet.phones import PhoneFormField
from stations.models import Station
from stations.selectors import dispatchable_stations

from .models import Complaint, DeviceModel, Ticket


class _LoadedChoiceIterator(ModelChoiceIterator):
    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for obj in self.field.rows():
            yield self.choice(obj)

    def __len__(self):
        return len(self.field.rows()) + (self.field.empty_label is not None)

    def __bool__(self):
        return self.field.empty_label is not None or bool(self.field.rows())


class JoinedSelect(forms.Select):
    """A select whose options are joined as strings. Django renders each option through a template: for the
    339 districts of the hotline form that was most of the page's time, and its garbage made a collection
    pause every dozen requests (p95 142 ms against a p50 of 30 ms at a million tickets)."""

    def render(self, name, value, attrs=None, renderer=None):
        chosen = {str(v) for v in self.format_value(value)}
        options = format_html_join(
            "",
            '<option value="{}"{}>{}</option>',
            ((v, " selected" if str(v) in chosen else "", label) for v, label in self.choices),
        )
        return format_html(
            '<select name="{}"{}>{}</select>', name, flatatt(self.build_attrs(self.attrs, attrs)), options
        )


class LoadedModelChoiceField(forms.ModelChoiceField):
    """A ModelChoiceField that reads its rows once per form: the options rendered and the choice validated come
    from one query (the stock field reads the table again for each)."""

    iterator = _LoadedChoiceIterator
    widget = JoinedSelect
    _rows = None

    def rows(self) -> list:
        if self._rows is None:
            self._rows = list(self.queryset)
        return self._rows

    def __deepcopy__(self, memo):
        result = super().__deepcopy__(memo)
        result._rows = None  # each form reads its own rows
        return result

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        for obj in self.rows():
            if str(getattr(obj, key)) == str(value):
                return obj
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


class DistrictField(LoadedModelChoiceField):
    """Districts by full name (province, city, district), the options read as plain rows: building the 339
    districts and their ancestors as model instances on every hotline page was most of its time."""

    def __init__(self, **kwargs):
        super().__init__(queryset=Region.objects.filter(level=Region.Level.DISTRICT), **kwargs)

    def rows(self) -> list[tuple[int, str, dict]]:
        """(id, full name, the district's own columns), from one query."""
        if self._rows is None:
            columns = ("code", "name", "level", "parent_id")
            rows = self.queryset.values_list("pk", "parent__parent__name", "parent__name", *columns)
            self._rows = [
                (pk, "".join(part for part in (province, city, own[1]) if part), dict(zip(columns, own, strict=True)))
                for pk, province, city, *own in rows
            ]
        return self._rows

    def prepare_value(self, value):
        return value[0] if isinstance(value, tuple) else super().prepare_value(value)

    def label_from_instance(self, obj):
        return obj[1]

    def to_python(self, value):
        """The chosen district as a model instance built from its row (validating it reads nothing more)."""
        if value in self.empty_values:
            return None
        for pk, _label, columns in self.rows():
            if str(pk) == str(value):
                return Region.from_db(self.queryset.db, ["id", *columns], [pk, *columns.values()])
        raise ValidationError(self.error_messages["invalid_choice"], code="invalid_choice", params={"value": value})


class LogCallForm(forms.Form):
    """One form for the whole call: customer, device, fault."""

    customer_id = forms.IntegerField(required=False, widget=forms.HiddenInput)
    phone = PhoneFormField(label=_("Phone"))
    customer_name = forms.CharField(label=_("Customer name"), max_length=50, required=False)
    region = DistrictField(label=_("District/county"), required=False)
    address = forms.CharField(label=_("Address"), max_length=200, required=False)
    carrier_account = forms.CharField(label=_("Carrier account number"), max_length=40, required=False)
    serial = forms.CharField(label=_("Serial number"), max_length=40)
    device_model = LoadedModelChoiceField(
        label=_("Device model"), queryset=DeviceModel.objects.filter(is_active=True), required=False
    )
    purchase_date = forms.DateField(
        label=_("Purchase date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    has_invoice = forms.BooleanField(label=_("Invoice present"), required=False)
    fault_category = forms.ChoiceField(label=_("Fault category"), choices=Ticket.FaultCategory.choices)
    priority = forms.ChoiceField(label=_("Priority"), choices=Ticket.Priority.choices, initial=Ticket.Priority.NORMAL)
    service_mode = forms.ChoiceField(label=_("Service mode"), choices=Ticket.ServiceMode.choices)
    description = forms.CharField(
        label=_("Fault description"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    # Shown only when the serial already has an open ticket: logging another needs a reason.
    duplicate_reason = forms.CharField(label=_("Reason to log another ticket"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name, field in self.fields.items():
            if isinstance(field.widget, forms.CheckboxInput):
                field.widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(field.widget, forms.Select):
                field.widget.attrs.setdefault("class", "form-select")
            else:
                field.widget.attrs.setdefault("class", "form-control")
            field.widget.attrs.setdefault("id", f"id_{name}")

    def clean_purchase_date(self):
        value = self.cleaned_data.get("purchase_date")
        if value and value > timezone.localdate():
            raise forms.ValidationError(_("The purchase date cannot be in the future."))
        return value


class BootstrapForm(forms.Form):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field.widget, forms.CheckboxInput | forms.RadioSelect):
                continue
            css = "form-select" if isinstance(field.widget, forms.Select) else "form-control"
            field.widget.attrs.setdefault("class", css)


class PartSelect(forms.Select):
    """The part list; each option carries its retail price and the work-done phrase it implies (for the page)."""

    def __init__(self, *args, option_data=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.option_data = option_data or {}

    def create_option(self, name, value, label, selected, index, subindex=None, attrs=None):
        option = super().create_option(name, value, label, selected, index, subindex=subindex, attrs=attrs)
        option["attrs"].update(self.option_data.get(str(value), {}))
        return option


CAMERA = {"accept": "image/*", "capture": "environment", "class": "visually-hidden photo-input"}


class CompleteForm(BootstrapForm):
    fault_found = forms.CharField(label=_("Fault found"), widget=forms.Textarea(attrs={"rows": 2}))
    diagnosis = forms.CharField(label=_("Diagnosis"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    work_done = forms.CharField(label=_("Work done / actions"), widget=forms.Textarea(attrs={"rows": 2}))
    no_fault_found = forms.BooleanField(
        label=_("No fault found"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
        help_text=_(
            "Tick when the inspection found the device working normally (at most guidance on its use): "
            "the station is paid the no-fault fee, whatever the text above says."
        ),
    )
    part_item = forms.TypedChoiceField(
        label=_("Part used"), required=False, coerce=int, empty_value=None, widget=PartSelect
    )
    part_quantity = forms.IntegerField(
        label=_("Quantity"),
        required=False,
        min_value=1,
        initial=1,
        widget=forms.NumberInput(attrs={"inputmode": "numeric", "min": 1}),
    )
    part_serial = forms.CharField(label=_("Part serial number"), required=False, max_length=40)
    charge_amount = forms.DecimalField(
        label=_("Charge to customer (CNY)"),
        required=False,
        min_value=0,
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"inputmode": "decimal", "step": "0.01"}),
    )
    charge_consent = forms.BooleanField(label=_("Customer was told the price and agreed"), required=False)
    photo_before = forms.ImageField(
        label=_("Photo before"), required=False, widget=forms.ClearableFileInput(attrs=CAMERA)
    )
    photo_after = forms.ImageField(
        label=_("Photo after"), required=False, widget=forms.ClearableFileInput(attrs=CAMERA)
    )
    signoff_name = forms.CharField(label=_("Customer name (typed sign-off)"), required=False, max_length=50)
    signature = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, part_choices=(), part_data=None, **kwargs):
        """``part_choices``: (value, label) pairs or (group, pairs) groups; ``part_data``: value → option attrs."""
        super().__init__(*args, **kwargs)
        self.fields["part_item"].choices = [("", "—"), *part_choices]
        self.fields["part_item"].widget.option_data = part_data or {}
        for name in ("fault_found", "work_done"):
            self.fields[name].widget.attrs.update({"class": "form-control form-control-sm", "rows": 1})

    def parts(self) -> list[dict]:
        item = self.cleaned_data.get("part_item")
        if not item:
            return []
        return [
            {
                "item_id": item,
                "quantity": self.cleaned_data.get("part_quantity") or 1,
                "serial": self.cleaned_data.get("part_serial") or None,
            }
        ]


YES_NO = [("", "—"), ("1", _("Yes")), ("0", _("No"))]


def _tri(value):
    return {"1": True, "0": False}.get(value)


class CallbackForm(BootstrapForm):
    reached = forms.ChoiceField(label=_("Customer reached"), choices=YES_NO[1:], widget=forms.RadioSelect)
    repaired = forms.TypedChoiceField(label=_("Repair confirmed"), choices=YES_NO, required=False, coerce=_tri)
    technician_on_time = forms.TypedChoiceField(
        label=_("Technician on time"), choices=YES_NO, required=False, coerce=_tri
    )
    charges_correct = forms.TypedChoiceField(label=_("Charges correct"), choices=YES_NO, required=False, coerce=_tri)
    satisfaction = forms.TypedChoiceField(
        label=_("Satisfaction (1–5)"),
        choices=[("", "—")] + [(str(i), str(i)) for i in range(5, 0, -1)],
        required=False,
        coerce=int,
        empty_value=None,
    )
    comments = forms.CharField(label=_("Comments"), required=False, widget=forms.Textarea(attrs={"rows": 2}))
    grievance = forms.CharField(
        label=_("Grievance (opens a complaint)"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )
    complaint_category = forms.ChoiceField(
        label=_("Complaint category"), choices=Complaint.Category.choices, required=False
    )


class ComplaintForm(BootstrapForm):
    """Against a ticket, a station or a technician (SPEC 2.7): a ticket brings its station and technician."""

    ticket_number = forms.CharField(label=_("Ticket number"), max_length=20, required=False)
    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none(), required=False)
    technician = forms.ModelChoiceField(label=_("Technician"), queryset=User.objects.none(), required=False)
    category = forms.ChoiceField(label=_("Category"), choices=Complaint.Category.choices)
    description = forms.CharField(label=_("Description"), widget=forms.Textarea(attrs={"rows": 3}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.order_by("code")
        self.fields["technician"].queryset = (
            User.objects.filter(groups__name=roles.TECHNICIAN, station__isnull=False)
            .select_related("station")
            .order_by("station__code", "last_name", "first_name")
        )
        self.fields["technician"].label_from_instance = (
            lambda u: f"{u.station.code} · {u.get_full_name() or u.username}"
        )

    def clean_ticket_number(self):
        number = self.cleaned_data["ticket_number"].strip().upper()
        if not number:
            return None
        ticket = Ticket.objects.filter(number=number).first()
        if ticket is None:
            raise ValidationError(_("No ticket with this number."))
        return ticket


class ResolveForm(BootstrapForm):
    verdict = forms.ChoiceField(label=_("Verdict"), choices=Complaint.Verdict.choices)
    investigation = forms.CharField(label=_("Investigation notes"), widget=forms.Textarea(attrs={"rows": 3}))


class SelfServiceLookupForm(BootstrapForm):
    """The customer's look-up: ticket number and the last four digits of the phone the ticket was logged with."""

    number = forms.CharField(
        label=_("Ticket number"), max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"})
    )
    phone_last4 = forms.RegexField(
        label=_("Last 4 digits of your phone"),
        regex=r"^\d{4}$",
        error_messages={"invalid": _("Enter the last 4 digits of your phone number.")},
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "maxlength": "4", "autocomplete": "off", "pattern": "[0-9]{4}"}
        ),
    )


class SelfServiceAnswerForm(BootstrapForm):
    """The customer confirms the repair or disputes it (the callback's self-service channel)."""

    answer = forms.ChoiceField(
        choices=[("confirm", _("The repair is fine")), ("dispute", _("There is a problem"))], widget=forms.HiddenInput
    )
    satisfaction = forms.TypedChoiceField(
        label=_("How satisfied are you (1–5)?"),
        choices=[("", "—")] + [(str(i), str(i)) for i in range(5, 0, -1)],
        required=False,
        coerce=int,
        empty_value=None,
    )
    comments = forms.CharField(
        label=_("Comments"), required=False, max_length=1000, widget=forms.Textarea(attrs={"rows": 3})
    )


class BulkDispatchForm(BulkForm):
    """Dispatch the ticked tickets to one station (each through ``ticket_dispatch``)."""

    station = forms.ModelChoiceField(label=_("Station"), queryset=Station.objects.none())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = dispatchable_stations().order_by("code")
