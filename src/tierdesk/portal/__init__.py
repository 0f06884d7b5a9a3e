"""The customer portal: a contact follows their organization's tickets, opens new ones and answers."""
