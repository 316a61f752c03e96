"""Feedback records, one module per aggregate (each part adds its module and exports it here)."""
