"""Secret stores whose reads print secret values: an exposure, like a cloud's.

``vault kv get``, ``op read``, ``doppler secrets get`` and the password managers
change nothing, so the service rules took them for reads and allowed them. But the
value lands in the agent's context (and with whoever serves the model), exactly as
``aws secretsmanager get-secret-value`` or ``cat ~/.aws/credentials`` would, and
those ask (``aws-secret-read``, ``credential-file-exposure``). So these ask too:
``reveals`` names the read that prints values; listing names, metadata and the
stores' own status stay reads.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from interlock.classify.command import Rule
from interlock.models import Category

SERVICE_SECRET_READ = Rule(
    "service-secret-read",
    Category.EXPOSURE,
    "Printing secret values from a secret store or password manager (vault kv get, op "
    "read, doppler secrets get, pass show …): the agent sees the secret.",
    ("vault kv get secret/prod/db", "op read op://Eng/db/password", "pass show prod/db"),
)

#: Password managers that are only ever secret stores (``pass NAME`` shows NAME).
PASSWORD_MANAGERS = frozenset({"pass", "gopass", "bw"})

_Reveal = Callable[[Sequence[str], Sequence[str]], bool]


def _vault(verbs: Sequence[str], args: Sequence[str]) -> bool:
    del args
    return list(verbs[:2]) == ["kv", "get"] or verbs[:1] == ["read"]


def _op(verbs: Sequence[str], args: Sequence[str]) -> bool:
    if verbs[:1] in (["read"], ["inject"]):
        return True
    return list(verbs[:2]) == ["item", "get"] and "--reveal" in args


def _secrets_get(verbs: Sequence[str], args: Sequence[str]) -> bool:
    """doppler and infisical: ``secrets get|download`` and bare ``secrets`` (it prints
    every value), ``export``."""
    del args
    return (
        list(verbs) == ["secrets"]
        or list(verbs[:2])
        in (
            ["secrets", "get"],
            ["secrets", "download"],
        )
        or verbs[:1] == ["export"]
    )


def _chamber(verbs: Sequence[str], args: Sequence[str]) -> bool:
    del args
    return verbs[:1] in (["read"], ["export"], ["env"])


def _ansible_vault(verbs: Sequence[str], args: Sequence[str]) -> bool:
    del args
    return verbs[:1] in (["view"], ["decrypt"])


def _bw(verbs: Sequence[str], args: Sequence[str]) -> bool:
    del args
    return verbs[:1] == ["export"] or (
        verbs[:1] == ["get"] and verbs[1:2] in (["password"], ["item"], ["notes"], ["totp"])
    )


#: ``pass`` and ``gopass`` subcommands that do not show a secret; any other first word
#: (``pass prod/db``) is the name of a secret to show.
_PASS_OTHERS = frozenset(
    {"init", "ls", "list", "find", "search", "grep", "insert", "add", "edit", "generate"}
    | {"rm", "remove", "delete", "mv", "move", "cp", "copy", "git", "help", "version"}
    | {"sync", "setup", "config", "audit", "fsck", "mounts", "recipients", "templates"}
)


def _pass(verbs: Sequence[str], args: Sequence[str]) -> bool:
    del args
    if not verbs:
        return False  # ``pass`` alone lists the names
    return verbs[0] in ("show", "cat", "otp") or verbs[0] not in _PASS_OTHERS


_REVEALS: Mapping[str, _Reveal] = {
    "vault": _vault,
    "op": _op,
    "doppler": _secrets_get,
    "infisical": _secrets_get,
    "chamber": _chamber,
    "ansible-vault": _ansible_vault,
    "bw": _bw,
    "pass": _pass,
    "gopass": _pass,
}


def reveals(tool: str, verbs: Sequence[str], args: Sequence[str]) -> bool:
    """Whether ``tool`` with these positional ``verbs`` (and all ``args``) prints
    secret values."""
    check = _REVEALS.get(tool)
    return check is not None and check(verbs, args)
