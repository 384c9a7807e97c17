"""FreeRADIUS, through its own SQL schema on PostgreSQL: usage sessions read from ``radacct``
(accounting.py) and the subscribers' network access written to ``radcheck``
(provisioning.py)."""
