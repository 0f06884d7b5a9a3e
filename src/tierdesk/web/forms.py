"""Forms shared by the pages: multiple-file uploads, service errors shown next to their field,
the language switch and API tokens on the account page."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import TypeVar

from django import forms
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.choices import Language
from tierdesk.core.errors import PermissionDenied, ValidationFailed
from tierdesk.tickets.services import NewAttachment


class MultipleFileInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultipleFileField(forms.FileField):
    """Zero or more uploaded files, as a list."""

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("widget", MultipleFileInput())
        kwargs.setdefault("required", False)
        super().__init__(*args, **kwargs)

    def clean(self, data, initial=None):
        single = super().clean
        if isinstance(data, list | tuple):
            return [single(item, initial) for item in data if item]
        return [single(data, initial)] if data else []


def new_attachments(files) -> list[NewAttachment]:
    return [NewAttachment.from_upload(upload) for upload in files or []]


def add_service_errors(
    form: forms.Form, error: ValidationFailed, rename: Mapping[str, str] | None = None
) -> None:
    """Puts a service's refusals next to the form fields they name; the rest go above the form.

    `rename` maps a service's field name to the form's (the portal calls the body "description").
    """
    rename = rename or {}
    for field, reasons in error.errors.items():
        name = rename.get(field, field)
        form.add_error(name if name in form.fields else None, list(reasons))


T = TypeVar("T")


def run_service(form: forms.Form, action: Callable[[], T]) -> T | None:
    """Runs a service for a valid form. A refusal lands on the form, next to the fields it names
    or above it, and None comes back, so the page shows it with everything the person typed."""
    try:
        return action()
    except ValidationFailed as error:
        add_service_errors(form, error)
    except PermissionDenied as error:
        form.add_error(None, str(error))
    return None


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Language"), choices=Language.choices)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class TokenCreateForm(forms.Form):
    name = forms.CharField(
        label=_("Token name"),
        max_length=100,
        help_text=_('What the token is for, e.g. "telephony integration".'),
    )
