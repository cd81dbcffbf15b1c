"""Whole numbers as people type them: the rule lives in ``webapp.numbers``.

It sits below the services because ``webapp.push`` reads Retry-After with it too, and push
imports nothing from the services; these names stay here for the code that reads them here.
"""

from __future__ import annotations

from webapp.numbers import ID_PATTERN, MAX_DIGITS, MAX_ID, record_id, whole_number

__all__ = ["ID_PATTERN", "MAX_DIGITS", "MAX_ID", "record_id", "whole_number"]
