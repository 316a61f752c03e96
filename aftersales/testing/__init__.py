PASSWORD = "correct-horse-battery"  # noqa: S105 — every test user's, unless a test sets one
