"""One module per resource group; each holds ``routes``, a ``bot.api.operations.Routes``."""
