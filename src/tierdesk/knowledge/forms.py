"""Forms of the knowledge pages: the article form (the KCS structure), flags and feedback."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.choices import Language
from tierdesk.knowledge.choices import ArticleKind, ArticleState, Visibility
from tierdesk.knowledge.services import FIELDS, TITLE_MAX
from tierdesk.tickets.choices import ProductArea

MARKDOWN_HELP = _("Markdown: **bold**, `code`, ``` fenced code blocks ```, tables.")


class ArticleForm(forms.Form):
    """The fields of an article; the state offers only what the person may set."""

    title = forms.CharField(label=_("Title"), max_length=TITLE_MAX)
    problem = forms.CharField(
        label=_("Problem"),
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("In the customer's words: what they saw, error messages as written."),
    )
    environment = forms.CharField(
        label=_("Environment"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    cause = forms.CharField(
        label=_("Cause"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
    resolution = forms.CharField(
        label=_("Resolution"), widget=forms.Textarea(attrs={"rows": 8}), help_text=MARKDOWN_HELP
    )
    kind = forms.ChoiceField(label=_("Kind"), choices=ArticleKind.choices)
    tags = forms.CharField(label=_("Tags"), required=False, help_text=_("Separated by commas."))
    product_area = forms.ChoiceField(
        label=_("Product area"), required=False, choices=[("", "—"), *ProductArea.choices]
    )
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    visibility = forms.ChoiceField(label=_("Visibility"), choices=Visibility.choices)
    state = forms.ChoiceField(label=_("KCS state"), choices=ArticleState.choices)
    # The version the writer opened: saving over a newer one is refused (article_update).
    version = forms.IntegerField(required=False, min_value=1, widget=forms.HiddenInput)
    note = forms.CharField(
        label=_("Note on this change"),
        required=False,
        max_length=250,
        help_text=_("Shown in the version history."),
    )

    def __init__(self, *args: Any, states: list[str], public: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        state_field = self.fields["state"]
        assert isinstance(state_field, forms.ChoiceField)
        state_field.choices = [(v, label) for v, label in ArticleState.choices if v in states]
        if not public:
            visibility = self.fields["visibility"]
            assert isinstance(visibility, forms.ChoiceField)
            current = self.initial.get("visibility")
            visibility.choices = [
                (v, label)
                for v, label in Visibility.choices
                if v == Visibility.INTERNAL or v == current
            ]

    def clean_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["tags"].split(",") if tag.strip()]

    def fields_for_service(self) -> dict[str, Any]:
        return {field: self.cleaned_data[field] for field in FIELDS}


def initial_from(article: Any) -> dict[str, Any]:
    values = {field: getattr(article, field) for field in FIELDS}
    values["tags"] = ", ".join(article.tags)
    values["version"] = article.version
    return values


class FlagForm(forms.Form):
    reason = forms.CharField(
        label=_("What needs fixing"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class FeedbackForm(forms.Form):
    helped = forms.TypedChoiceField(
        label=_("Did this article help?"),
        choices=[("yes", _("Yes, it helped")), ("no", _("No, it did not help"))],
        coerce=lambda value: value == "yes",
        widget=forms.RadioSelect,
    )
    comment = forms.CharField(
        label=_("Comment"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("What was missing or wrong? The article's author reads it."),
    )
