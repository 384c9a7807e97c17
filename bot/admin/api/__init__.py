"""The admin API under ``/api/v1``: operators manage subscribers, plans, orders, tickets,
outages and broadcasts with a bearer token; ``/api/v1/openapi.json`` describes it."""
