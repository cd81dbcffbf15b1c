"""The therapist blueprint: the clinic's pages under /clinic."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("therapist", __name__, url_prefix="/clinic")
