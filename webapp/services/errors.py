"""Errors that services raise and views turn into messages next to fields.

Messages are written in English and marked ``N_`` where they are written; a refusal made
while a page is asking is put in that page's language here, once, with the translator the
web layer installs (``languages.use_page_translator``): every view, form and flash then
shows it as it is.
Messages with values are written with ``%(name)s`` placeholders and filled by ``text``.
"""

from __future__ import annotations

from webapp.services.languages import N_, for_page


def text(message: str, **values: object) -> str:
    """Return ``message`` in the reader's language, with its ``%(name)s`` values filled in."""
    translated = for_page(message)
    return translated % values if values else translated


def range_problem(number: int | None, label: str, low: int, high: int) -> str | None:
    """Return what to say of a whole number that is missing or outside low..high, if anything.

    ``label`` is the field's N_-marked name; the sentence reads in the asking page's language.
    """
    if number is None:
        message = N_("%(label)s: please enter a whole number from %(low)s to %(high)s.")
    elif not low <= number <= high:
        message = N_("%(label)s must be from %(low)s to %(high)s.")
    else:
        return None
    return text(message, label=text(label), low=low, high=high)


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
        # A message already filled in by ``text`` is not in the catalog: it stays as it is.
        self.errors = {name: [text(m) for m in messages] for name, messages in errors.items()}
        self.code = code
        super().__init__("; ".join(f"{k}: {', '.join(v)}" for k, v in self.errors.items()))

    def first(self, field: str) -> str | None:
        """Return the first message for a field, if any."""
        messages = self.errors.get(field)
        return messages[0] if messages else None


class NotFound(Exception):
    """The thing does not exist, or the caller may not know that it exists."""
