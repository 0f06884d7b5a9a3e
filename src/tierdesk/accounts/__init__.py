"""People and organisations: customer companies, their contacts, staff, roles, skill groups, API tokens."""
