from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.models import Station

from .models import DepositEntry, Item


def _items(kinds=None):
    qs = Item.objects.filter(is_active=True).order_by("code")
    return qs.filter(kind__in=kinds) if kinds else qs


class ShipmentLineForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none(), required=False)
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, required=False)
    serials = forms.CharField(
        label=_("Serial numbers"), required=False, help_text=_("Spare machines only; separate with spaces or commas.")
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control"
            )

    def as_line(self) -> dict | None:
        data = self.cleaned_data
        if not data.get("item"):
            return None
        serials = [s for s in (data.get("serials") or "").replace(",", " ").replace("，", " ").split() if s]
        return {
            "item_id": data["item"].pk,
            "quantity": data.get("quantity") or (len(serials) or None),
            "serials": serials,
        }


ShipmentLineFormSet = forms.formset_factory(ShipmentLineForm, extra=5, max_num=30)


class ReplenishmentLineForm(ShipmentLineForm):
    """A line of a station's request: an item and how many (HQ picks the serials when it ships)."""

    serials = None


ReplenishmentLineFormSet = forms.formset_factory(ReplenishmentLineForm, extra=3, max_num=30)


class ReplenishmentForm(forms.Form):
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["note"].widget.attrs["class"] = "form-control"


class ShipmentHeaderForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=None)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.filter(status=Station.Status.ACTIVE).order_by("code")
        self.fields["station"].widget.attrs["class"] = "form-select"
        self.fields["note"].widget.attrs["class"] = "form-control"


class DepositForm(forms.Form):
    """A deposit entry is money: the amount, the day it was received or paid out and the bank reference."""

    kind = forms.ChoiceField(label=_("Kind"), choices=DepositEntry.Kind.choices)
    # "more than zero" is the service's rule (spares.services.deposit_amount_parse), shown on this field
    amount = forms.DecimalField(label=_("Amount"), max_digits=12, decimal_places=2)
    paid_on = forms.DateField(
        label=_("Payment date"),
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        initial=timezone.localdate,
        help_text=_("The day the money was received or paid out."),
    )
    bank_reference = forms.CharField(
        label=_("Bank reference"),
        max_length=64,
        required=False,
        help_text=_("Required for a payment, a top-up and a refund."),
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["kind"].widget.attrs["class"] = "form-select"
        for name in ("amount", "paid_on", "bank_reference", "note"):
            self.fields[name].widget.attrs["class"] = "form-control"


class SellForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Accessory"), queryset=Item.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items([Item.Kind.ACCESSORY])
        self.fields["item"].widget.attrs["class"] = "form-select"
        self.fields["quantity"].widget.attrs["class"] = "form-control"


class WriteOffForm(forms.Form):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"), min_value=1, initial=1)
    serial = forms.CharField(label=_("Serial number"), max_length=40, required=False)
    defective = forms.BooleanField(label=_("From the defective bin"), required=False)
    reason = forms.CharField(label=_("Reason"), max_length=200)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["item"].queryset = _items()
        self.fields["item"].widget.attrs["class"] = "form-select"
        for name in ("quantity", "serial", "reason"):
            self.fields[name].widget.attrs["class"] = "form-control"


class DecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=[("approve", _("Approve")), ("reject", _("Reject"))])
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReverseForm(forms.Form):
    note = forms.CharField(label=_("Reason"), max_length=200)
