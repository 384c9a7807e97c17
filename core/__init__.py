"""The ISP's domain: accounts, billing, usage, tickets and the inbox. Knows no channel."""
