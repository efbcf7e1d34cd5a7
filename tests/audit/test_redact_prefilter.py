"""The redaction prefilter never skips text that any pattern would match."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from interlock.audit import redact as module
from interlock.audit.redact import REDACTED, redact_text

#: Pieces of every pattern (prefixes, keywords, separators) and their case variants,
#: so generated text often matches; plus the two non-ASCII letters IGNORECASE folds.
_PIECES = [
    "-----BEGIN RSA PRIVATE KEY-----",
    "-----END RSA PRIVATE KEY-----",
    "AKIA",
    "ASIA",
    "AIPA",
    "ghp_",
    "ghs_",
    "github_pat_",
    "glpat-",
    "xoxb-",
    "sk-",
    "sk-proj-",
    "rk_live_",
    "sk_test_",
    "AIza",
    "eyJ",
    ".eyJ",
    "itk_",
    "Bearer ",
    "bAsIc ",
    "https://",
    "user:",
    "@",
    "--password=",
    "PassWD:",
    "SECRET=",
    "toKen:",
    "api-key=",
    "Api_Key:",
    "APIKEY=",
    "client-secret=",
    "MYSQL_PWD=",
    "PGPASSWORD=",
    "AWS_SECRET_ACCESS_KEY=",
    "AWS_SESSION_TOKEN=",
    "AKIAIOSFODNN7EXAMPLE",
    "ghp_" + "a" * 36,
    "github_pat_" + "b" * 22,
    "glpat-" + "c" * 22,
    "xoxp-" + "d" * 12,
    "sk-ant-" + "e" * 24,
    "rk_live_" + "f" * 20,
    "AIza" + "g" * 35,
    "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0In0.abcdefghijk",
    "itk_" + "h" * 20,
    "\u017f",
    "\u212a",
    "ABCDEFGHIJKLMNOP0123",
    "abcdefghijklmnopqrstuvwxyz_-0123456789",
    " ",
    "\n",
    "'",
    '"',
]

_TEXT = st.lists(st.one_of(st.sampled_from(_PIECES), st.text(max_size=6)), max_size=12).map("".join)


@settings(max_examples=3000, deadline=None)
@given(_TEXT)
def test_prefilter_is_a_necessary_condition(text: str) -> None:
    if module._ANY.search(text):
        assert module._may_hold_secret(text), text


@pytest.mark.parametrize(
    "text",
    [
        "pa\u017f\u017fword=hunter2",  # IGNORECASE folds the long s onto s
        "to\u212aen: abc",  # and the Kelvin sign onto k
        "PGPASSWORD=x psql",
        "Authorization: BEARER abcdefghijkl",
    ],
)
def test_case_folded_secrets_are_still_redacted(text: str) -> None:
    assert module._ANY.search(text)
    assert REDACTED in redact_text(text)


@pytest.mark.parametrize("text", ["ls -la", "a" * 64, "kiro (for alice)", "req-0123456789"])
def test_ordinary_text_is_skipped_cheaply(text: str) -> None:
    assert not module._may_hold_secret(text)
    assert redact_text(text) == text
