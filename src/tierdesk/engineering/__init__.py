"""The link to engineering's issue tracker: outbound connectors, deliveries, and status coming back."""
