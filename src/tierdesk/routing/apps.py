from django.apps import AppConfig
from django.db.models.signals import post_delete, post_save
from django.utils.translation import gettext_lazy as _


def _skill_groups_changed(sender, **kwargs) -> None:
    # Compiled rules carry group names and drop actions naming a deleted group: both go stale.
    from tierdesk.routing.services import renew_rule_book

    renew_rule_book()


class RoutingConfig(AppConfig):
    name = "tierdesk.routing"
    verbose_name = _("Routing")

    def ready(self) -> None:
        from tierdesk.accounts.models import SkillGroup

        post_save.connect(_skill_groups_changed, sender=SkillGroup, dispatch_uid="routing-groups")
        post_delete.connect(
            _skill_groups_changed, sender=SkillGroup, dispatch_uid="routing-groups-deleted"
        )
