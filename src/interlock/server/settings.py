"""What one gateway server process runs with: configuration, store, limits, address.

``interlock serve`` builds a :class:`Settings` from its flags; tests build one
directly. Everything the HTTP layer needs to know about its deployment is here, so
``create_app(settings)`` has no hidden inputs (issue 6: SQLite by default with no
set-up, PostgreSQL by URL).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from interlock.config import Config, default_config

#: Largest request body accepted by default; plans can be large (8 MiB).
DEFAULT_MAX_BODY_BYTES = 8 * 1024 * 1024

#: The longest a long poll may wait, in seconds (api.md: ``timeout <= 60``).
MAX_WAIT_SECONDS = 60.0

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8420


@dataclass(frozen=True, slots=True)
class Settings:
    """One server's configuration; immutable once the app is built."""

    config: Config = field(default_factory=default_config)
    database_url: str | None = None
    host: str = DEFAULT_HOST
    port: int = DEFAULT_PORT
    public_url: str | None = None
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    max_wait_seconds: float = MAX_WAIT_SECONDS
    #: How often a waiter re-reads the store in case another process changed a request.
    poll_seconds: float = 1.0
    #: Secret for signing session cookies; empty means a random one per process.
    session_secret: str = ""

    @property
    def base_url(self) -> str:
        """The URL people reach the server at, without a trailing slash."""
        if self.public_url:
            return self.public_url.rstrip("/")
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    def request_url(self, request_id: str) -> str:
        """The approver page of ``request_id``."""
        return f"{self.base_url}/requests/{request_id}"
