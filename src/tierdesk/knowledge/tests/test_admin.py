"""The admin only looks at the knowledge base: changes go through the services, which keep the
versions, the counters and the search index in step."""

from __future__ import annotations

import pytest
from django.urls import reverse

from tierdesk.knowledge.models import (
    Article,
    ArticleFeedback,
    ArticleFlag,
    ArticleLink,
    ArticleVersion,
)

pytestmark = pytest.mark.django_db


def test_the_admin_neither_adds_changes_nor_deletes_knowledge(client, admin_user, article):
    from django.contrib import admin

    client.force_login(admin_user)
    for model in (Article, ArticleVersion, ArticleLink, ArticleFeedback, ArticleFlag):
        model_admin = admin.site._registry[model]
        request = type("R", (), {"user": admin_user})()
        assert not model_admin.has_delete_permission(request)
        assert not model_admin.has_add_permission(request)
        assert not model_admin.has_change_permission(request)
    response = client.post(
        reverse("admin:knowledge_article_delete", args=[article.pk]), {"post": "yes"}
    )
    assert response.status_code == 403
    response = client.post(
        reverse("admin:knowledge_article_changelist"),
        {"action": "delete_selected", "_selected_action": [article.pk], "post": "yes"},
    )
    assert Article.objects.filter(pk=article.pk).exists()
