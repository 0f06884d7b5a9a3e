"""Phone: calls reported by the telephony system become tickets with channel phone, with their
wait and talk times."""
