"""Outcome measures: validated questionnaires assigned, scheduled, answered and charted."""
