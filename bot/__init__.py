"""Channels, dialogs and the web app around the core."""
