"""What operators use: the admin API, and the commands behind ``ispbot import``, ``ispbot admin``
and ``ispbot usage``."""
