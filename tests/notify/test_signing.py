"""The Standard Webhooks signature: the specification's example vector, and refusals."""

from __future__ import annotations

import pytest

from interlock.errors import AuthenticationError, ConfigError
from interlock.notify.signing import new_secret, secret_bytes, sign, verify

# The example in the Standard Webhooks specification (standard-webhooks.md, "Verifying").
SPEC_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
SPEC_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
SPEC_TIMESTAMP = 1614265330
SPEC_BODY = b'{"test": 2432232314}'
SPEC_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="


def test_signature_matches_the_specification_example() -> None:
    headers = sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    assert headers == {
        "webhook-id": SPEC_ID,
        "webhook-timestamp": str(SPEC_TIMESTAMP),
        "webhook-signature": SPEC_SIGNATURE,
    }
    verify(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TIMESTAMP + 10)


def test_any_of_several_signatures_may_match() -> None:
    headers = sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    headers["webhook-signature"] = "v1,AAAA v2,zzz " + headers["webhook-signature"]
    verify(SPEC_SECRET, headers, SPEC_BODY, now=SPEC_TIMESTAMP)


@pytest.mark.parametrize(
    ("change", "fragment"),
    [
        ({"body": SPEC_BODY + b" "}, "no webhook signature matches"),
        ({"webhook-id": "msg_other"}, "no webhook signature matches"),
        ({"webhook-timestamp": str(SPEC_TIMESTAMP + 1)}, "no webhook signature matches"),
        ({"webhook-timestamp": "soon"}, "not an integer"),
        ({"webhook-signature": ""}, "headers missing"),
        ({"now": SPEC_TIMESTAMP + 301}, "outside the tolerance"),
        ({"now": SPEC_TIMESTAMP - 301}, "outside the tolerance"),
        ({"secret": new_secret()}, "no webhook signature matches"),
    ],
)
def test_tampered_stale_or_foreign_deliveries_are_refused(
    change: dict[str, object], fragment: str
) -> None:
    headers = sign(SPEC_SECRET, SPEC_ID, SPEC_TIMESTAMP, SPEC_BODY)
    headers.update({k: str(v) for k, v in change.items() if k.startswith("webhook-")})
    body = change.get("body", SPEC_BODY)
    assert isinstance(body, bytes)
    now = change.get("now", SPEC_TIMESTAMP)
    assert isinstance(now, int)
    secret = str(change.get("secret", SPEC_SECRET))
    with pytest.raises(AuthenticationError, match=fragment):
        verify(secret, headers, body, now=now)


@pytest.mark.parametrize(
    "secret",
    ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_not base64!", "whsec_c2hvcnQ="],
)
def test_unusable_secrets_are_configuration_errors(secret: str) -> None:
    with pytest.raises(ConfigError):
        secret_bytes(secret)


def test_new_secrets_are_random_and_usable() -> None:
    a, b = new_secret(), new_secret()
    assert a != b
    assert len(secret_bytes(a)) == 32
