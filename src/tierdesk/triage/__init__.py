"""The triage classifier: predicts a new ticket's type and product area from the desk's solved tickets."""
