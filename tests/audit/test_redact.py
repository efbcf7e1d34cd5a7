"""Redaction: credential material never reaches the audit log."""

from __future__ import annotations

from typing import Any

import pytest

from interlock.audit.redact import REDACTED, is_secret_key, redact, redact_text


@pytest.mark.parametrize(
    "key",
    [
        "password",
        "PASSWORD",
        "db_password",
        "aws_secret_access_key",
        "private-key",
        "api_key",
        "client_secret",
        "github_token",
        "Authorization",
        "token",
    ],
)
def test_secret_keys(key: str) -> None:
    assert is_secret_key(key)
    assert redact({key: {"nested": "value"}}) == {key: REDACTED}


@pytest.mark.parametrize("key", ["digest", "token_id", "request_id", "voter", "keys", "tokens"])
def test_ordinary_keys_are_kept(key: str) -> None:
    assert not is_secret_key(key)
    assert redact({key: "plain"}) == {key: "plain"}


@pytest.mark.parametrize(
    ("text", "secret"),
    [
        ("export AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLE", "AKIAIOSFODNN7EXAMPLE"),
        (
            "AWS_SECRET_ACCESS_KEY=wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY aws s3 ls",
            "wJalrXUtnFEMI",
        ),
        (
            "git clone https://ghp_abcdefghijklmnopqrstuvwxyz0123456789@github.com/x",
            "ghp_abcdefghijklmnopqrstuvwxyz0123456789",
        ),
        ("curl -H 'Authorization: Bearer abc.def-ghi_jklmnop' https://x", "abc.def-ghi_jklmnop"),
        ("psql postgresql://admin:hunter2secret@db.prod/app", "hunter2secret"),
        ("mysql --password=s3cr3t! -h db", "s3cr3t!"),
        ("PGPASSWORD=topsecret psql -h db", "topsecret"),
        ("token xoxb-1234567890-abcdefghij posted", "xoxb-1234567890-abcdefghij"),
        ("interlock approve 7 --token itk_Q2hhbmdlLWNvbnRyb2wtdG9rZW4tZXhhbXBsZQ", "itk_Q2hh"),
        (
            "-----BEGIN OPENSSH PRIVATE KEY-----\nb3BlbnNzaC1rZXk\n"
            "-----END OPENSSH PRIVATE KEY-----",
            "b3BlbnNzaC1rZXk",
        ),
        (
            "jwt eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0."
            "dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U",
            "dozjgNryP4J3jVmNHl0w5N",
        ),
    ],
)
def test_token_shaped_strings_are_redacted(text: str, secret: str) -> None:
    cleaned = redact_text(text)
    assert secret not in cleaned
    assert REDACTED in cleaned


def test_digests_and_commands_survive() -> None:
    body: dict[str, Any] = {
        "digest": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
        "command": "terraform apply plan.out",
        "list": ["rm -rf ./build", {"password": "x"}],
    }
    assert redact(body) == {**body, "list": ["rm -rf ./build", {"password": REDACTED}]}
