from __future__ import annotations

from django import forms


class NoteForm(forms.Form):
    body = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="Note")
    opportunity = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="About deal")

    def __init__(self, *args, deals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].choices = [("", "— the rep in general —"), *[(d.pk, str(d)) for d in deals]]


class FollowUpForm(forms.Form):
    title = forms.CharField(max_length=200, label="Follow-up")
    due_date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="Due")
    opportunity = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="About deal")

    def __init__(self, *args, deals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].choices = [("", "— none —"), *[(d.pk, str(d)) for d in deals]]


class ActivityForm(forms.Form):
    kind = forms.ChoiceField(choices=[("meeting", "Meeting"), ("call", "Call"), ("email", "E-mail")], label="Activity")
    occurred_on = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}), label="On")
    subject = forms.CharField(max_length=200, required=False, label="Subject")
    opportunity = forms.TypedChoiceField(coerce=int, required=False, empty_value=None, label="Deal")

    def __init__(self, *args, deals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["opportunity"].choices = [("", "— none —"), *[(d.pk, str(d)) for d in deals]]
