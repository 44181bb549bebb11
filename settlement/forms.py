from decimal import Decimal

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from repairnet.bulk import BulkForm


class MonthForm(forms.Form):
    month = forms.CharField(
        label=_("Month"), max_length=7, widget=forms.TextInput(attrs={"type": "month", "class": "form-control"})
    )


class DisputeForm(forms.Form):
    reason = forms.CharField(
        label=_("Why do you dispute this statement?"),
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class ResolveForm(forms.Form):
    resolution = forms.CharField(
        label=_("Resolution"), max_length=1000, widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"})
    )
    reopen = forms.BooleanField(
        label=_("Reopen as draft (the next run rebuilds it)"), required=False, widget=forms.CheckboxInput()
    )


class NoteForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), max_length=1000, required=False, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class PaymentForm(forms.Form):
    paid_on = forms.DateField(
        label=_("Payment date"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date", "class": "form-control"}),
    )
    reference = forms.CharField(
        label=_("Payment reference"), max_length=64, widget=forms.TextInput(attrs={"class": "form-control"})
    )


class AdjustmentForm(forms.Form):
    amount = forms.DecimalField(
        label=_("Amount (+ addition, − deduction)"),
        max_digits=12,
        decimal_places=2,
        widget=forms.NumberInput(attrs={"step": "0.01", "class": "form-control"}),
    )
    description = forms.CharField(
        label=_("Description"), max_length=300, widget=forms.TextInput(attrs={"class": "form-control"})
    )

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == Decimal(0):
            raise forms.ValidationError(_("Enter a non-zero amount."))
        return amount


class BulkNoteForm(BulkForm):
    """The ticked statements issued with one note."""

    note = forms.CharField(label=_("Note"), max_length=500, required=False)
