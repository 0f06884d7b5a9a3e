"""The REST API v1: one NinjaAPI, a router per capability."""

from ninja import NinjaAPI

api = NinjaAPI(title="tierdesk API", version="1", urls_namespace="api-v1")
