"""The ISP's staff: accounts with roles for the console (bot/staff/), their logins under the
subscribers' lockout, and the audit log of every change they make."""
