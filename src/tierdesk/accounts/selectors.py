"""Reads on people and organisations, scoped to who asks."""

from __future__ import annotations

from django.db.models import QuerySet

from tierdesk.accounts.models import ApiToken, Organization, SkillGroup, User


def organizations_visible_to(user: User) -> QuerySet[Organization]:
    """Staff see every organization; a customer sees only their own."""
    organizations = Organization.objects.select_related("success_manager").order_by("name")
    if user.is_support_staff:
        return organizations
    if user.organization_id is None:
        return organizations.none()
    return organizations.filter(pk=user.organization_id)


def users_visible_to(user: User) -> QuerySet[User]:
    """Staff see everyone; a customer sees the contacts of their organization and no staff details."""
    people = User.objects.select_related("organization").order_by("username")
    if user.is_support_staff:
        return people.filter(is_active=True)
    if user.organization_id is None:
        return people.filter(pk=user.pk)
    return people.filter(is_active=True, organization_id=user.organization_id)


def staff_members() -> QuerySet[User]:
    """Active staff who can own tickets, by name."""
    return (
        User.objects.filter(is_active=True)
        .exclude(role="customer")
        .order_by("first_name", "username")
    )


def skill_groups() -> QuerySet[SkillGroup]:
    return SkillGroup.objects.order_by("name")


def tokens_of(user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user).order_by("-created_at")


def person_by_reference(people: QuerySet[User], reference: int | str) -> User | None:
    """The person among `people` named by id (all digits) or username, or None."""
    text = str(reference).strip()
    if text.isdigit():
        # Ids beyond a 64-bit integer name nobody; the database would refuse to compare them.
        return people.filter(pk=int(text)).first() if len(text) < 19 else None
    return people.filter(username=text).first()


def skill_group_by_reference(reference: int | str) -> SkillGroup | None:
    """The skill group named by id (all digits) or name, or None."""
    text = str(reference).strip()
    if text.isdigit():
        return SkillGroup.objects.filter(pk=int(text)).first() if len(text) < 19 else None
    return SkillGroup.objects.filter(name=text).first()
