"""Forms of the territory pages: they parse; the services validate and write."""

from __future__ import annotations

import re

from django import forms

from planning.territories.engine import SIZE_BANDS
from planning.territories.services import MAX_PRECEDENCE


def _split(text: str) -> list[str]:
    return [p.strip() for p in re.split(r"[,\n;]", text or "") if p.strip()]


class PlanCreateForm(forms.Form):
    name = forms.CharField(max_length=200)
    description = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}))
    copy_of = forms.TypedChoiceField(required=False, coerce=int, empty_value=None, label="Copy territories from")

    def __init__(self, *args, plans=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["copy_of"].choices = [("", "— start empty —")] + [(p.pk, f"{p.name} ({p.get_status_display()})")
                                                                        for p in plans]


class TerritoryForm(forms.Form):
    """The rule editor: each dimension a field; lists are comma or line separated."""

    name = forms.CharField(max_length=200)
    owner = forms.TypedChoiceField(required=False, coerce=int, empty_value=None)
    region = forms.CharField(max_length=50, required=False, label="Region label")
    precedence = forms.IntegerField(min_value=0, max_value=MAX_PRECEDENCE, initial=100, help_text="Lower wins when two territories match.")
    regions = forms.CharField(required=False, help_text="e.g. EMEA, APAC")
    countries = forms.CharField(required=False)
    industries = forms.CharField(required=False)
    segments = forms.MultipleChoiceField(required=False, choices=[(b, f"{b} ({lo:,}–{hi:,} employees)" if hi else f"{b} ({lo:,}+ employees)")
                                                                  for b, (lo, hi) in SIZE_BANDS.items()],
                                         widget=forms.CheckboxSelectMultiple, label="Size bands")
    employees_min = forms.IntegerField(required=False, min_value=0)
    employees_max = forms.IntegerField(required=False, min_value=0)
    revenue_min = forms.DecimalField(required=False, min_value=0, label="Annual revenue min")
    revenue_max = forms.DecimalField(required=False, min_value=0, label="Annual revenue max")
    accounts = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Named accounts",
                               help_text="External ids; a named account beats every criteria match.")

    def __init__(self, *args, sellers=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", "— no owner —")] + [(s.pk, s.name) for s in sellers]

    @staticmethod
    def initial_for(territory) -> dict:
        rules = territory.rules or {}
        employees, revenue = rules.get("employees") or {}, rules.get("annual_revenue") or {}
        return {
            "name": territory.name, "owner": territory.owner_id, "region": territory.region,
            "precedence": territory.precedence, "regions": ", ".join(rules.get("regions", [])),
            "countries": ", ".join(rules.get("countries", [])), "industries": ", ".join(rules.get("industries", [])),
            "segments": rules.get("segments", []), "employees_min": employees.get("min"),
            "employees_max": employees.get("max"), "revenue_min": revenue.get("min"), "revenue_max": revenue.get("max"),
            "accounts": "\n".join(rules.get("accounts", [])),
        }

    def rules(self) -> dict:
        data = self.cleaned_data
        rules: dict = {}
        for key in ("regions", "countries", "industries", "accounts"):
            values = _split(data.get(key))
            if values:
                rules[key] = values
        if data.get("segments"):
            rules["segments"] = list(data["segments"])
        for key, lo, hi in (("employees", "employees_min", "employees_max"), ("annual_revenue", "revenue_min", "revenue_max")):
            spec = {}
            if data.get(lo) is not None:
                spec["min"] = int(data[lo]) if key == "employees" else str(data[lo])
            if data.get(hi) is not None:
                spec["max"] = int(data[hi]) if key == "employees" else str(data[hi])
            if spec:
                rules[key] = spec
        return rules


class OverrideForm(forms.Form):
    account = forms.CharField(max_length=64, label="Account external id")
    territory = forms.TypedChoiceField(coerce=int)
    reason = forms.CharField(max_length=300, required=False)

    def __init__(self, *args, territories=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["territory"].choices = [(t.pk, t.name) for t in territories]


class PublishForm(forms.Form):
    effective_from = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    override_reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text="Required when a territory's potential is short of its owner's quota.")


class AccountImportForm(forms.Form):
    file = forms.FileField(help_text="CSV with the columns external_id,name,industry,country,region,employees,"
                                     "annual_revenue,latitude,longitude,potential (extra columns ignored).")
