"""Customer organisations, people (contacts and staff), skill groups and API tokens."""

from __future__ import annotations

import hashlib
import zoneinfo

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from tierdesk.accounts.choices import CompanySize, Language, Plan, Region, Role, Tier
from tierdesk.tickets.choices import ProductArea


def validate_time_zone(value: str) -> None:
    if value not in zoneinfo.available_timezones():
        raise ValidationError(_("%(value)s is not a known time zone."), params={"value": value})


class Organization(models.Model):
    """A customer company with a support plan; its contacts share its tickets."""

    name = models.CharField(_("name"), max_length=200, unique=True)
    email_domains = models.JSONField(
        _("email domains"),
        default=list,
        blank=True,
        help_text=_('Mail from these domains belongs to this organization, e.g. ["example.com"].'),
    )
    plan = models.CharField(
        _("support plan"), max_length=20, choices=Plan.choices, default=Plan.STANDARD
    )
    region = models.CharField(
        _("region"), max_length=20, choices=Region.choices, default=Region.AMERICAS
    )
    size = models.CharField(
        _("company size"), max_length=20, choices=CompanySize.choices, default=CompanySize.MEDIUM
    )
    annual_revenue = models.DecimalField(
        _("annual revenue (USD)"), max_digits=14, decimal_places=2, null=True, blank=True
    )
    success_manager = models.ForeignKey(
        "accounts.User",
        verbose_name=_("success manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_organizations",
        limit_choices_to={"role__in": [Role.AGENT, Role.MANAGER, Role.ADMIN]},
    )
    notes = models.TextField(_("notes"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")

    def __str__(self) -> str:
        return self.name


class SkillGroup(models.Model):
    """A team of engineers that owns a slice of the work: a product area, a language, a plan or a region."""

    name = models.CharField(_("name"), max_length=120, unique=True)
    description = models.TextField(_("description"), blank=True)
    product_area = models.CharField(
        _("product area"), max_length=40, choices=ProductArea.choices, blank=True
    )
    language = models.CharField(_("language"), max_length=5, choices=Language.choices, blank=True)
    plan = models.CharField(_("support plan"), max_length=20, choices=Plan.choices, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    tier = models.PositiveSmallIntegerField(
        _("tier"), choices=Tier.choices, default=Tier.FRONT_LINE
    )
    manager = models.ForeignKey(
        "accounts.User",
        verbose_name=_("manager"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="managed_groups",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("skill group")
        verbose_name_plural = _("skill groups")

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A person who signs in: a customer contact of an organization, or a member of staff."""

    role = models.CharField(
        _("role"), max_length=20, choices=Role.choices, default=Role.CUSTOMER, db_index=True
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    tier = models.PositiveSmallIntegerField(_("tier"), choices=Tier.choices, null=True, blank=True)
    skill_groups = models.ManyToManyField(
        SkillGroup, verbose_name=_("skill groups"), blank=True, related_name="members"
    )
    languages = models.JSONField(_("languages spoken"), default=list, blank=True)
    region = models.CharField(_("region"), max_length=20, choices=Region.choices, blank=True)
    time_zone = models.CharField(
        _("time zone"), max_length=64, default="UTC", validators=[validate_time_zone]
    )
    language = models.CharField(
        _("interface language"), max_length=5, choices=Language.choices, default=Language.ENGLISH
    )
    phone = models.CharField(_("phone"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        indexes = [
            # Email arriving finds its sender by address in any case (mail.intake).
            models.Index(Lower("email"), name="accounts_user_email_lower"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        full = self.get_full_name().strip()
        return full or self.username

    @property
    def is_customer(self) -> bool:
        return self.role == Role.CUSTOMER

    @property
    def is_support_staff(self) -> bool:
        """Everyone on the support side: agents, reviewers, managers, administrators."""
        return self.role != Role.CUSTOMER

    @property
    def can_reply_publicly(self) -> bool:
        """Quality reviewers read and annotate; they do not answer customers."""
        return self.role in {Role.AGENT, Role.MANAGER, Role.ADMIN}

    def clean(self) -> None:
        super().clean()
        if self.role == Role.CUSTOMER and self.organization_id is None:
            raise ValidationError(
                {"organization": _("A customer contact belongs to an organization.")}
            )
        if self.role == Role.AGENT and self.tier is None:
            raise ValidationError({"tier": _("An agent works at tier 1, 2 or 3.")})


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiTokenQuerySet(models.QuerySet["ApiToken"]):
    def active(self) -> ApiTokenQuerySet:
        return self.filter(revoked_at__isnull=True)


class ApiToken(models.Model):
    """A bearer token for the REST API; only its hash is stored, so a database leak reveals no token."""

    user = models.ForeignKey(
        User, verbose_name=_("person"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=100, blank=True)
    key_hash = models.CharField(max_length=64, unique=True)
    prefix = models.CharField(
        _("prefix"), max_length=12, help_text=_("First characters, to tell tokens apart.")
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked"), null=True, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")

    def __str__(self) -> str:
        return f"{self.prefix}… ({self.user})"
