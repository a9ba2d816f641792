"""The scenario form: scalar inputs plus three line-per-row text areas RevOps can paste into.

Lines (comma separated, blank lines ignored):
* segments: ``name, productivity, ramp[, target incentive]`` — ramp is a number of months, or an
  explicit monthly curve of space-separated fractions (``0.1 0.3 0.6 0.9``);
* hires: ``segment, count, YYYY-MM[, target incentive]``;
* roster: ``seller external id, segment[, hire date[, end date[, target incentive]]]``, or
  ``+Name, segment, …`` for a hypothetical seller.
"""
from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal, InvalidOperation

from django import forms

from planning.capacity.models import CapacityRosterMember, CapacityScenario
from planning.capacity.services import roster_member
from planning.models import Seller
from spm.errors import DomainError


def _cells(text: str):
    for n, line in enumerate((text or "").splitlines(), start=1):
        if line.strip() and not line.lstrip().startswith("#"):
            yield n, [c.strip() for c in line.split(",")]


def _num(value: str, where: str) -> str:
    try:
        Decimal(value)
    except InvalidOperation:
        raise forms.ValidationError(f"{where}: {value!r} is not a number") from None
    return value


def _date(value: str, where: str) -> dt.date | None:
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise forms.ValidationError(f"{where}: {value!r} is not a date YYYY-MM-DD") from None


def segments_text(segments: list[dict]) -> str:
    lines = []
    for s in segments:
        ramp = " ".join(s["ramp_curve"]) if s.get("ramp_curve") else str(s.get("ramp_months", 0))
        parts = [s["name"], s["productivity"], ramp] + ([s["target_incentive"]] if s.get("target_incentive") else [])
        lines.append(", ".join(parts))
    return "\n".join(lines)


def hires_text(hires: list[dict]) -> str:
    return "\n".join(", ".join([h["segment"], str(h["count"]), h["start"]]
                               + ([h["target_incentive"]] if h.get("target_incentive") else [])) for h in hires)


def roster_text(roster: list[CapacityRosterMember]) -> str:
    lines = []
    for m in roster:
        ident = m.seller.external_id if m.seller_id else f"+{m.name}"
        parts = [ident, m.segment, m.hire_date.isoformat() if m.hire_date else "",
                 m.end_date.isoformat() if m.end_date else "",
                 f"{m.target_incentive:f}" if m.target_incentive is not None else ""]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(", ".join(parts))
    return "\n".join(lines)


_ITEM = re.compile(r"^(?P<box>segments|hires|roster)\[(?P<index>\d+)\]")
_GAP_FIELDS = {"gap_hires.segment": "gap_segment", "gap_hires.start": "gap_start"}


class ScenarioForm(forms.Form):
    name = forms.CharField(max_length=200)
    year = forms.IntegerField(min_value=2000, max_value=2100)
    target = forms.DecimalField(max_digits=16, decimal_places=2, min_value=0, help_text="Revenue target for the year")
    over_assignment = forms.DecimalField(max_digits=6, decimal_places=4, min_value=0, initial=Decimal("0.10"),
                                         help_text="e.g. 0.12 for 12 %")
    attrition = forms.DecimalField(max_digits=6, decimal_places=4, min_value=0, max_value=1, initial=0,
                                   help_text="Annual rate, spread evenly over the months")
    replace_attrition = forms.BooleanField(required=False, label="Replace leavers (replacements ramp)")
    segments = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}),
                               help_text="name, productivity, ramp months (or curve '0.1 0.3 0.6'), [target incentive]")
    hires = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), required=False,
                            help_text="segment, count, start month YYYY-MM, [target incentive]")
    roster = forms.CharField(widget=forms.Textarea(attrs={"rows": 8}), required=False,
                             help_text="seller id (or +Name for a hypothetical seller), segment, [hire date], "
                                       "[end date], [target incentive]")
    gap_segment = forms.CharField(max_length=50, required=False, label="Gap hires: segment")
    gap_start = forms.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False, label="Gap hires: start month",
                                 help_text="YYYY-MM; empty: the first month of the year")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.line_numbers: dict[str, list[int]] = {}  # textarea → the line number of each item it gave

    def add_service_error(self, exc: DomainError) -> None:
        """Put a service refusal on its field. The message leads with the engine's key, which names
        items of the line boxes from 0 (``hires[1].segment: …``); here they read as the box's own line
        number, like the form's errors."""
        key, _, message = exc.message.partition(": ")
        item = _ITEM.match(key)
        if message and item and item["box"] in self.line_numbers:
            lines, i = self.line_numbers[item["box"]], int(item["index"])
            self.add_error(item["box"], f"line {lines[i] if i < len(lines) else i + 1}: {message}")
        elif message and key in _GAP_FIELDS:
            self.add_error(_GAP_FIELDS[key], message)
        else:
            self.add_error(exc.field if exc.field in self.fields else None, exc.message)

    def _numbered(self, name: str):
        cells = list(_cells(self.cleaned_data[name]))
        self.line_numbers[name] = [n for n, _ in cells]
        return cells

    def clean_segments(self):
        out = []
        for n, cells in self._numbered("segments"):
            where = f"line {n}"
            if len(cells) < 3:
                raise forms.ValidationError(f"{where}: expected name, productivity, ramp")
            seg = {"name": cells[0], "productivity": _num(cells[1], where)}
            ramp = cells[2].split()
            if len(ramp) == 1 and ramp[0].isdecimal():  # isdigit() admits "²", which int() refuses
                seg["ramp_months"] = int(ramp[0])
            else:
                seg["ramp_curve"] = [_num(v, where) for v in ramp]
            if len(cells) > 3 and cells[3]:
                seg["target_incentive"] = _num(cells[3], where)
            out.append(seg)
        if not out:
            raise forms.ValidationError("at least one segment")
        return out

    def clean_hires(self):
        out = []
        for n, cells in self._numbered("hires"):
            where = f"line {n}"
            if len(cells) < 3 or not cells[1].isdecimal():
                raise forms.ValidationError(f"{where}: expected segment, count, YYYY-MM")
            hire = {"segment": cells[0], "count": int(cells[1]), "start": cells[2]}
            if len(cells) > 3 and cells[3]:
                hire["target_incentive"] = _num(cells[3], where)
            out.append(hire)
        return out

    def clean_roster(self):
        sellers = {s.external_id: s for s in Seller.objects.all()}
        out, seen = [], set()
        for n, cells in self._numbered("roster"):
            where = f"line {n}"
            if len(cells) < 2:
                raise forms.ValidationError(f"{where}: expected seller id, segment")
            cells += [""] * (5 - len(cells))
            ident, segment, hire, end, ti = cells[:5]
            if ti:
                _num(ti, where)
            if ident.startswith("+"):
                seller, name = None, ident[1:].strip() or f"Hypothetical {n}"
            else:
                seller = sellers.get(ident)
                if seller is None:
                    raise forms.ValidationError(f"{where}: no seller {ident!r} (prefix + for a hypothetical one)")
                if seller.pk in seen:
                    raise forms.ValidationError(f"{where}: {ident!r} is listed twice")
                seen.add(seller.pk)
                name = seller.name
            out.append(roster_member(name=name, segment=segment, seller=seller, hire_date=_date(hire, where),
                                     end_date=_date(end, where), target_incentive=ti or None))
        return out

    @classmethod
    def initial_for(cls, scenario: CapacityScenario, roster: list[CapacityRosterMember]) -> dict:
        return {
            "name": scenario.name, "year": scenario.year, "target": scenario.target,
            "over_assignment": scenario.over_assignment, "attrition": scenario.attrition,
            "replace_attrition": scenario.replace_attrition, "segments": segments_text(scenario.segments),
            "hires": hires_text(scenario.hires), "roster": roster_text(roster),
            "gap_segment": scenario.gap_segment, "gap_start": scenario.gap_start,
        }


class PublishForm(forms.Form):
    override_reason = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 2}),
                                      help_text="Required when quotas would exceed reachable capacity")


class QuotaSetForm(forms.Form):
    method = forms.ChoiceField(choices=[("capacity", "Ramp-adjusted capacity"), ("potential", "Territory potential"),
                                        ("blend", "Capacity blended with trailing attainment")])
    blend_weight = forms.DecimalField(min_value=0, max_value=1, initial=Decimal("0.3"), required=False,
                                      help_text="Weight of attainment in a blend (0–1)")
    seasonality = forms.CharField(required=False, help_text="4 quarterly or 12 monthly weights, e.g. 1 1 1.2 1.5")
    effective_from = forms.RegexField(r"^\d{4}-(0[1-9]|1[0-2])$", required=False,
                                      help_text="YYYY-MM; months before keep the current quotas")

    def clean_seasonality(self):
        values = (self.cleaned_data["seasonality"] or "").replace(",", " ").split()
        for v in values:
            _num(v, "seasonality")
        return values or None
