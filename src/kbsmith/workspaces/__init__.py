"""Workspaces and the API keys that open them."""
