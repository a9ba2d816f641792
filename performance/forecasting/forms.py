from __future__ import annotations

from django import forms

from spm.fiscal import PERIOD_KEY_PATTERN


class CallForm(forms.Form):
    period = forms.RegexField(regex=PERIOD_KEY_PATTERN, widget=forms.HiddenInput)
    commit = forms.DecimalField(min_value=0, max_digits=16, decimal_places=2)
    best_case = forms.DecimalField(min_value=0, max_digits=16, decimal_places=2, label="Best case")
    note = forms.CharField(required=False, max_length=2000, widget=forms.TextInput)


class OverrideForm(CallForm):
    seller = forms.IntegerField(widget=forms.HiddenInput)
