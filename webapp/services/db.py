"""The session type services accept: a plain Session or Flask-SQLAlchemy's scoped proxy."""

from __future__ import annotations

from typing import Any, TypeAlias

from sqlalchemy.orm import Session, scoped_session

Db: TypeAlias = Session | scoped_session[Any]
