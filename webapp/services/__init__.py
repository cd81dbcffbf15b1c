"""Domain logic as plain functions: no request, no current user, no HTTP.

Every function takes the SQLAlchemy session it works in; the caller (a view, a job or a
CLI command) owns the transaction and commits.
"""
