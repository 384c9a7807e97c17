"""Operators' access to the admin API: bearer tokens, stored hashed and revocable."""
