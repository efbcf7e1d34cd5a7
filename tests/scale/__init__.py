"""Several gateway processes on one PostgreSQL: races, crashes, live updates (issue 9)."""
