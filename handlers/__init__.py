"""Use cases: conversations, commands, staff binding. No transport imports here."""
