"""The one error root of interlock and its tree.

Callers decide what to do next by the branch they catch, so the tree is split by
that: errors found while loading what the operator wrote (fix the file and restart)
versus errors while deciding or storing at run time (the action is held or denied,
never allowed). The CLI catches ``InterlockError`` once and exits with the class's
``exit_code``; the HTTP layer renders ``http_status`` in one handler.

    InterlockError                      exit 1, HTTP 500
    ├── LoadError                       exit 3: fix the file, then restart
    │   ├── ConfigError                 interlock.yaml is invalid (names key and line)
    │   └── PolicySyntaxError           a Rego policy does not compile (file and line)
    ├── InputError                      exit 2, HTTP 400: bad input from a caller
    │   ├── PlanFormatError             a plan file is not a plan we can read
    │   └── PayloadTooLargeError        HTTP 413
    ├── AuthError                       exit 4, HTTP 401/403
    │   ├── AuthenticationError         unknown, expired or revoked token
    │   └── ForbiddenError              the principal may not do this (agents never vote)
    ├── DecisionError                   exit 5, HTTP 409: refused transitions
    │   ├── NotFoundError               HTTP 404
    │   ├── VoteRefusedError            requester, agent or duplicate vote
    │   └── GrantRefusedError           used, expired, or digest mismatch
    ├── StoreError                      exit 6, HTTP 503: the database failed
    └── AuditError                      exit 7
        ├── AuditVerificationError      the log does not verify (names the entry)
        └── TamperError                 HTTP 409: a stored row fails its seal
"""

from __future__ import annotations


class InterlockError(Exception):
    """Root of every error interlock raises on purpose."""

    exit_code: int = 1
    http_status: int = 500

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def diagnostics(self) -> str:
        """Return the text a person reads: what went wrong and, if known, what to do."""
        text = f"error: {self.message}"
        if self.hint:
            text += f"\nhint: {self.hint}"
        return text


class LoadError(InterlockError):
    """Something the operator wrote cannot be loaded; nothing runs until it is fixed."""

    exit_code = 3


class ConfigError(LoadError):
    """interlock.yaml is invalid; the message names the key and the line."""


class PolicySyntaxError(LoadError):
    """A Rego policy does not compile or calls a built-in the engine lacks."""


class InputError(InterlockError):
    """A caller sent input interlock cannot read; it is refused, not guessed at."""

    exit_code = 2
    http_status = 400


class PlanFormatError(InputError):
    """A plan document is not in any format interlock reads."""


class PayloadTooLargeError(InputError):
    """A request body or plan is larger than the configured limit."""

    http_status = 413


class AuthError(InterlockError):
    """Who is asking is unknown or not allowed to ask this."""

    exit_code = 4
    http_status = 401


class AuthenticationError(AuthError):
    """The token is unknown, expired or revoked."""


class ForbiddenError(AuthError):
    """The principal is known but may not do this."""

    http_status = 403


class DecisionError(InterlockError):
    """A transition was refused; the state is unchanged."""

    exit_code = 5
    http_status = 409


class NotFoundError(DecisionError):
    """The request, token or entry does not exist."""

    http_status = 404


class VoteRefusedError(DecisionError):
    """The vote cannot count: the voter is the requester, an agent, or voted already."""


class GrantRefusedError(DecisionError):
    """The grant was used already, expired, or does not match the digest."""


class StoreError(InterlockError):
    """The database failed; the caller treats the action as not allowed."""

    exit_code = 6
    http_status = 503


class AuditError(InterlockError):
    """The audit log cannot be written or read."""

    exit_code = 7


class AuditVerificationError(AuditError):
    """The audit log does not verify; the message names the first bad entry."""


class TamperError(AuditError):
    """A stored request, vote or grant fails its seal: it was changed outside interlock.

    Raised where the row would take part in a decision, so an edit made directly in
    the database can never approve, count or release anything.
    """

    http_status = 409
