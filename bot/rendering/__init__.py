"""What the bot draws from plain data for a person to keep: files, not words."""
