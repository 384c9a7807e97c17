"""What the bot's free-text understanding keeps: the FAQ staff write (questions and answers per
language) and the texts nobody matched (scrubbed of personal data), for staff to read."""
