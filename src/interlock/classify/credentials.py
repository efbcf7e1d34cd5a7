"""Files that hold credentials, and the finding for a command that touches one.

An agent that prints ``~/.ssh/id_ed25519`` or ``~/.aws/credentials`` has copied the
key into its own context (and to whoever serves the model); one that pipes it to
``curl`` or ``nc`` has sent it away. Neither changes a file, so the tool families judge
such lines as reads. A program that shows, copies or sends the files it is given or
fed on standard input (``EXPOSERS``), or any program sending one as ``@file``, is an
*exposure* of the human's credentials: the floor asks before it happens. Tools that
merely use a credential they are pointed at (``kubectl --kubeconfig``, ``ssh -i``) and
sourcing a ``.env`` file (it loads without showing) are left alone.

The names follow where the tools keep their secrets: OpenSSH private keys, the AWS,
Google Cloud and Azure CLIs' credential caches, kubeconfig, Docker's and git's
credential stores, ``.netrc``/``.pgpass``/``.my.cnf``, package registries' tokens,
GnuPG's private keys, the system's password hashes and ``.env`` files (not their
``.example`` templates).
"""

from __future__ import annotations

import posixpath
import re

from interlock.classify.command import SimpleCommand
from interlock.models import Category, Finding, Risk, Scope

RULE_ID = "credential-file-exposure"

#: A cheap first look over the whole command text: most lines mention none of these.
_HINT = re.compile(
    r"\.ssh|\.aws|\.env|credential|shadow|\.netrc|\.pgpass|\.kube|\.docker|\.npmrc|\.pypirc"
    r"|\.gnupg|vault-token|gcloud|\.azure|\.my\.cnf|\.git-credentials|\.config/gh|ssh_host_"
)
#: File names that are credentials wherever they are.
_NAMES = frozenset(
    {".netrc", ".pgpass", ".my.cnf", ".git-credentials", ".npmrc", ".pypirc", ".vault-token"}
    | {"credentials.tfrc.json", "application_default_credentials.json", "accessTokens.json"}
    | {"msal_token_cache.json", "msal_token_cache.bin", "credentials.db", "access_tokens.db"}
)
#: Paths that are credentials: (a directory in the path, a name or name prefix in it).
_IN_DIRECTORY = (
    (".aws", "credentials"),
    (".kube", "config"),
    (".docker", "config.json"),
    ("gh", "hosts.yml"),
    ("private-keys-v1.d", ""),
    (".gnupg", "secring.gpg"),
    ("legacy_credentials", ""),
    ("cache", ""),  # ~/.aws/sso/cache/*.json only, see _is_credential
)
_SYSTEM = frozenset({"/etc/shadow", "/etc/gshadow", "/etc/master.passwd"})
_ENV_TEMPLATES = (".example", ".sample", ".template", ".dist", ".defaults")
#: Programs that show, copy, pack or send the files they are given or fed
#: (``< file``): any credential among them is exposed. Other known programs consume
#: credentials they are pointed at (``kubectl --kubeconfig``, ``ssh -i``, ``ssh-add``),
#: so for them only what they send from a file (``@file``) counts. A program no family
#: knows is taken as an exposer.
EXPOSERS = frozenset(
    {"cat", "tac", "less", "more", "most", "head", "tail", "bat", "batcat", "nl", "xxd"}
    | {"hexdump", "od", "base64", "base32", "basenc", "strings", "grep", "rg", "awk", "sed"}
    | {"tee", "cp", "mv", "install", "rsync", "scp", "sftp", "curl", "wget", "http", "xh"}
    | {"nc", "ncat", "netcat", "socat", "telnet", "tar", "zip", "7z", "gzip", "xz", "zstd"}
    | {"git", "python", "python3", "node", "ruby", "perl", "php", "jq", "yq", "openssl"}
    | {"gpg", "age", "aws", "gsutil", "gcloud", "az", "gh", "vim", "vi", "nano", "code"}
    | {"echo", "printf", "diff", "sort", "uniq", "cut"}
)
#: Options that name an identity or config a program uses, not data it shows.
_USES = frozenset({"-i", "--identity", "-F", "--kubeconfig", "--config", "--key-file"})
#: Programs that load a file without showing it.
_QUIET = frozenset({"source", "."})
#: Programs no family knows that use the keys they are given (load, derive, install
#: the public half) rather than show them.
_CONSUMERS = frozenset({"ssh-add", "ssh-keygen", "ssh-copy-id", "ssh-agent", "keychain"})


def exposure(cmd: SimpleCommand, *, known: bool = True) -> Finding | None:
    """The exposure finding when ``cmd`` names a credential file, else ``None``;
    ``known``: whether a tool family knows the program (see ``EXPOSERS``)."""
    if cmd.program in _QUIET or not (
        _HINT.search(cmd.text)
        or (cmd.redirects and any(_HINT.search(r.target) for r in cmd.redirects))
    ):
        return None
    named = _named(cmd, cmd.program in EXPOSERS or not (known or cmd.program in _CONSUMERS))
    if named is None:
        return None
    where = cmd.remote_host or cmd.container
    return Finding(
        rule_id=RULE_ID,
        category=Category.EXPOSURE,
        scope=Scope.REMOTE if where else Scope.HOST,
        target=named,
        evidence=cmd.text,
        explanation=f"{cmd.program} reads or sends {named}, which holds credentials",
        risk=Risk.HIGH,
    )


def _named(cmd: SimpleCommand, exposes: bool) -> str | None:
    """The first credential file ``cmd`` exposes: among its words when the program
    shows or sends what it is given (except the value of an identity option), else
    only one fed in or sent from a file."""
    fed = [r.target for r in cmd.redirects if r.op in ("<", "<>")] if exposes else []
    args = cmd.args
    for i, word in enumerate(args):
        sent = word.startswith("@") or "=@" in word
        if not (exposes or sent):
            continue
        if not sent and i and args[i - 1] in _USES:
            continue
        if not sent and word.startswith("-") and word.partition("=")[0] in _USES:
            continue
        if _is_credential(_path_in(word)):
            return word
    return next((t for t in fed if _is_credential(t)), None)


def _path_in(word: str) -> str:
    """The path in ``word``: ``@file`` (curl's data from a file) and ``key=path``
    forms name a file too."""
    if word.startswith("@"):
        return word[1:]
    if "=" in word and not word.startswith(("/", "~", ".")):
        return word.partition("=")[2].lstrip("@")
    return word


def _is_credential(path: str) -> bool:
    if not path or path.endswith("/"):
        return False
    norm = posixpath.normpath(path)
    if norm in _SYSTEM or (norm.startswith("/etc/ssh/ssh_host_") and norm.endswith("_key")):
        return True
    parts = norm.split("/")
    name = parts[-1]
    if name in _NAMES:
        return True
    if name == ".env" or (name.startswith(".env.") and not name.endswith(_ENV_TEMPLATES)):
        return True
    if ".ssh" in parts[:-1]:
        return (name.startswith("id_") and not name.endswith(".pub")) or name.endswith(".pem")
    for directory, prefix in _IN_DIRECTORY:
        if directory in parts[:-1] and name.startswith(prefix):
            if directory == "cache":
                return "sso" in parts and ".aws" in parts
            return True
    return False
