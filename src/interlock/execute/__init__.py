"""Execution: run exactly what was approved, once, with credentials the agent never sees.

``executor.py`` drives a request through the gateway (submit, wait, consume the
single-use grant, run, report); ``plans.py`` keeps plan files content-addressed so
that ``apply`` runs the approved file and never re-plans; ``credentials.py`` resolves
an environment's credentials from the gateway's configuration and injects them into
the child process alone; ``runner.py`` runs it and redacts those values from any
output; ``broker.py`` optionally narrows AWS credentials through STS AssumeRole.
"""
