"""Errors that services raise and views turn into messages next to fields."""

from __future__ import annotations


class ValidationError(Exception):
    """Input that cannot be accepted; ``errors`` maps a field name to its messages.

    ``code`` names the kind of refusal for machines (the offline outbox drops an action
    the clinic's rules refuse for good, and keeps one refused for any other reason).
    """

    def __init__(
        self, errors: dict[str, list[str]] | str, field: str = "__all__", *, code: str = "invalid"
    ) -> None:
        if isinstance(errors, str):
            errors = {field: [errors]}
        self.errors = errors
        self.code = code
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in errors.items()))

    def first(self, field: str) -> str | None:
        """Return the first message for a field, if any."""
        messages = self.errors.get(field)
        return messages[0] if messages else None


class NotFound(Exception):
    """The thing does not exist, or the caller may not know that it exists."""
