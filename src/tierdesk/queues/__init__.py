"""Group queues, personal portfolios and the escalations waiting for a person: where work is picked up."""
