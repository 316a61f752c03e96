"""The SMS business in the desk (issue 6): vendor connectors, balances, sender IDs, the template
checker and vendor cases. ``templatecheck`` is pure Python; the pages and the API wrap it."""
