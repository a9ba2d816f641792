"""Forms of the Pay pages: they parse input only; the services decide."""

from __future__ import annotations

from django import forms
from django.core.validators import RegexValidator

from compensation.models import Statement
from spm.fiscal import MONTH_KEY_PATTERN

month_key = RegexValidator(MONTH_KEY_PATTERN, "Use a month like 2027-01.")


class MonthField(forms.CharField):
    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 7)
        kwargs.setdefault("validators", [month_key])
        kwargs.setdefault("widget", forms.TextInput(attrs={"type": "month", "placeholder": "2027-01"}))
        super().__init__(**kwargs)


class StatementFilterForm(forms.Form):
    period = forms.CharField(required=False, max_length=7, widget=forms.TextInput(attrs={"type": "month"}))
    status = forms.ChoiceField(required=False)

    def __init__(self, *args, include_drafts: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        choices = [(v, label) for v, label in Statement.Status.choices if include_drafts or v != Statement.Status.DRAFT]
        self.fields["status"].choices = [("", "Any status"), *choices]


class RunRequestForm(forms.Form):
    period_from = MonthField(label="From month")
    period_through = MonthField(label="Through month", required=False)

    def clean(self):
        data = super().clean()
        start, end = data.get("period_from"), data.get("period_through")
        if start and end and end < start:
            self.add_error("period_through", "The last month must not be before the first.")
        return data


class PublishPeriodForm(forms.Form):
    period = MonthField(label="Period")



class AdjustmentForm(forms.Form):
    """Amount and reason of a manual adjustment; seller and month come from the statement."""

    amount = forms.DecimalField(
        label="Amount", max_digits=14, decimal_places=2,
        help_text="In the statement's currency; negative to take money back.",
        widget=forms.NumberInput(attrs={"step": "0.01", "placeholder": "250.00"}),
    )
    reason = forms.CharField(label="Reason", max_length=300, widget=forms.TextInput(attrs={"placeholder": "Why, for the seller and the auditor"}))

    def clean_amount(self):
        amount = self.cleaned_data["amount"]
        if amount == 0:
            raise forms.ValidationError("An adjustment of zero changes nothing.")
        return amount


class PayPeriodForm(forms.Form):
    period = MonthField(label="Period")
