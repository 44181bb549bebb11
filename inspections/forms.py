from django import forms
from django.contrib.auth import get_user_model
from django.utils.translation import gettext_lazy as _

from repairnet import roles
from stations.models import Station


class ScheduleForm(forms.Form):
    station = forms.ModelChoiceField(label=_("Station"), queryset=None)
    inspector = forms.ModelChoiceField(label=_("Inspector"), queryset=None)
    scheduled_for = forms.DateField(label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["station"].queryset = Station.objects.filter(status="active").order_by("code")
        self.fields["inspector"].queryset = (
            get_user_model().objects.filter(groups__name=roles.INSPECTOR, is_active=True).order_by("username")
        )
        for field in self.fields.values():
            field.widget.attrs.setdefault(
                "class", "form-select" if isinstance(field, forms.ModelChoiceField) else "form-control"
            )


class SubmitForm(forms.Form):
    summary = forms.CharField(
        label=_("Summary for the station"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class AnswerForm(forms.Form):
    answer = forms.CharField(
        label=_("What was done"), max_length=2000, widget=forms.Textarea(attrs={"rows": 4, "class": "form-control"})
    )
    evidence = forms.ImageField(
        label=_("Evidence photo"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/*", "capture": "environment", "class": "form-control"}),
    )


class RejectForm(forms.Form):
    reason = forms.CharField(
        label=_("Reason for rejection"),
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3, "class": "form-control"}),
    )


class ConfirmForm(forms.Form):
    note = forms.CharField(
        label=_("Note"), required=False, max_length=500, widget=forms.TextInput(attrs={"class": "form-control"})
    )
