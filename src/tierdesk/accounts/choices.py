"""Fixed vocabularies of the accounts app."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    CUSTOMER = "customer", _("Customer")
    AGENT = "agent", _("Agent")
    REVIEWER = "reviewer", _("Quality reviewer")
    MANAGER = "manager", _("Manager")
    ADMIN = "admin", _("Administrator")


class Tier(models.IntegerChoices):
    FRONT_LINE = 1, _("Tier 1 (front line)")
    BACK_LINE = 2, _("Tier 2 (back line)")
    ENGINEERING = 3, _("Tier 3 (engineering)")


class Plan(models.TextChoices):
    BASIC = "basic", _("Basic")
    STANDARD = "standard", _("Standard")
    PREMIUM = "premium", _("Premium")
    ENTERPRISE = "enterprise", _("Enterprise")


class Region(models.TextChoices):
    JAPAN = "japan", _("Japan")
    RUSSIA = "russia", _("Russia and CIS")
    EMEA = "emea", _("Europe, Middle East and Africa")
    AMERICAS = "americas", _("Americas")
    APAC = "apac", _("Asia-Pacific")


class CompanySize(models.TextChoices):
    SMALL = "small", _("Small (under 100)")
    MEDIUM = "medium", _("Medium (100-999)")
    LARGE = "large", _("Large (1,000-9,999)")
    ENTERPRISE = "enterprise", _("Enterprise (10,000+)")


class Language(models.TextChoices):
    ENGLISH = "en", _("English")
    JAPANESE = "ja", _("Japanese")
    RUSSIAN = "ru", _("Russian")
