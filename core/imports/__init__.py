"""Operators load their subscribers and plans from CSV files (``ispbot import ...``)."""
