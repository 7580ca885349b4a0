"""Pure domain: statuses, the state machine, validation, ids, time parsing, API shape.

Nothing in here imports Textual or touches a database.
"""
