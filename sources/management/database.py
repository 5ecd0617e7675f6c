"""A command that loses its database says so in one line, not with a traceback."""

from django.core.management.base import CommandError
from django.db import InterfaceError, OperationalError

# What psycopg and sqlite3 raise (wrapped by Django) when the database cannot be reached,
# went away mid-run, or stayed locked past the busy timeout.
DATABASE_DOWN = (OperationalError, InterfaceError)


def database_unavailable(error: Exception) -> CommandError:
    detail = " ".join(str(error).split())  # psycopg's messages span several lines
    return CommandError(
        f"The database is unavailable ({type(error).__name__}: {detail}). Stopped; what was "
        "stored before stays. Run the command again once the database answers (work this run "
        "had started is taken up again when its lease expires)."
    )
