"""Forms of the survey pages: the answer form (CSAT with CES, or NPS) and a follow-up's outcome."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.surveys.choices import SCALES, ResponseKind
from tierdesk.surveys.services import COMMENT_MAX, OUTCOME_MAX

LABELS = {
    ResponseKind.CSAT: _("How satisfied are you with the support you received?"),
    ResponseKind.CES: _("The company made it easy to handle my issue."),
    ResponseKind.NPS: _("How likely are you to recommend us to a friend or colleague?"),
}
HINTS = {
    ResponseKind.CSAT: _("1 very dissatisfied · 5 very satisfied"),
    ResponseKind.CES: _("1 strongly disagree · 7 strongly agree"),
    ResponseKind.NPS: _("0 not at all likely · 10 extremely likely"),
}


class AnswerForm(forms.Form):
    """The questions an invitation asks, the first required, and a comment."""

    comment = forms.CharField(
        label=_("Anything you would like to add? (optional)"),
        required=False,
        max_length=COMMENT_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: object, kinds: list[str], **kwargs: object) -> None:
        super().__init__(*args, **kwargs)  # type: ignore[arg-type]
        self.kinds = kinds
        for position, kind in enumerate(kinds):
            low, high = SCALES[kind]
            self.fields[kind] = forms.TypedChoiceField(
                label=LABELS[kind],
                help_text=HINTS[kind],
                choices=[(str(n), str(n)) for n in range(low, high + 1)],
                coerce=int,
                empty_value=None,
                required=position == 0,
                widget=forms.RadioSelect(attrs={"class": "scale"}),
            )
        self.order_fields([*kinds, "comment"])

    def scores(self) -> dict[str, int | None]:
        return {kind: self.cleaned_data.get(kind) for kind in self.kinds}


class OutcomeForm(forms.Form):
    outcome = forms.CharField(
        label=_("Outcome of the call"),
        max_length=OUTCOME_MAX,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
