"""HTTP clients: curl, wget, HTTPie (``http``/``https``) and xh.

A GET reads a remote system; a DELETE removes something from it; POST, PUT and PATCH
change it. The method is what the client would send: explicit (``-X DELETE``,
``--request=PUT``, HTTPie's ``DELETE`` word) or implied (data or a form makes curl
POST, ``-T`` makes it PUT, ``-G`` turns data back into a query). Some APIs delete
through a POST (Elasticsearch ``_delete_by_query``, Jenkins ``doDelete``), so a
non-GET whose path names a delete is a delete too. The environment comes from the
URL's host. Files the client writes (``-o``, ``-O``, ``--cookie-jar``) are judged like
any local write; piping a download into a shell is the shell walker's business.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from urllib.parse import urlsplit

from interlock.classify.command import CommandContext, Handler, Rule, SimpleCommand, finding
from interlock.classify.commands.paths import word_table, write_finding
from interlock.classify.commands.readonly import LOCAL_SELF_TAMPER_OUTPUT
from interlock.models import Category, Finding, Risk, Scope

HTTP_READ = Rule(
    "http-read",
    Category.READ,
    "An HTTP GET or HEAD: reads a remote system.",
    ("curl https://example.com", "wget https://example.com/f.tgz", "http GET api.test/x"),
)
HTTP_WRITE = Rule(
    "http-write",
    Category.WRITE,
    "An HTTP POST, PUT or PATCH (explicit, or implied by data, forms or uploads).",
    (
        "curl -X POST https://api.test/x -d a=1",
        "curl -T f.txt https://up.test/",
        "http POST api.test/items name=x",
    ),
)
HTTP_DELETE = Rule(
    "http-delete",
    Category.DELETE,
    "An HTTP DELETE, or a write to an endpoint that deletes (_delete_by_query, doDelete), "
    "or an FTP delete command.",
    (
        "curl -X DELETE https://api.test/x",
        "http DELETE api.test/items/1",
        "curl -X POST http://es:9200/logs/_delete_by_query -d '{}'",
    ),
)
HTTP_OUTPUT = Rule(
    "http-output-file",
    Category.WRITE,
    "A download written to a file: allowed in the workspace and temporary directories.",
    ("curl -o /etc/hosts https://x.test/hosts", "wget -O out.html https://x.test"),
)

_CURL_VALUES = word_table(
    """
        -H --header -o --output -u --user -A --user-agent -e --referer -b --cookie -c
        --cookie-jar -x --proxy -w --write-out -m --max-time --connect-timeout --retry
        --retry-delay --retry-max-time -K --config -E --cert --key --cacert --capath -r
        --range --resolve --connect-to --interface -U --proxy-user -Y --speed-limit -y
        --speed-time -z --time-cond --limit-rate --max-filesize -D --dump-header --trace
        --trace-ascii --stderr -C --continue-at --output-dir --url --data-urlencode
        --mail-from --mail-rcpt -Q --quote --unix-socket --abstract-unix-socket
        --dns-servers --doh-url --hostpubmd5 --pinnedpubkey --max-redirs --tls-max --ciphers
        --oauth2-bearer --aws-sigv4 --variable --expand-url -X --request -d --data
        --data-raw --data-binary --data-ascii --json -F --form --form-string -T
        --upload-file --request-target --ftp-method --proto --proto-redir --local-port
        --happy-eyeballs-timeout-ms --netrc-file --parallel-max --rate
    """
)
_CURL_DATA = word_table(
    """
        -d --data --data-raw --data-binary --data-ascii --json -F --form --form-string
        --data-urlencode
    """
)
_CURL_FILES = word_table(
    """
        -o --output -D --dump-header -c --cookie-jar --trace --trace-ascii --stderr
    """
)
_FTP_DELETES = ("DELE", "RMD", "RNFR", "RNTO", "SITE", "-DELE", "-RMD", "*DELE")


def _host(url: str) -> str | None:
    if "://" not in url:
        url = "http://" + url
    try:
        return urlsplit(url).hostname
    except ValueError:
        return None


def _path(url: str) -> str:
    try:
        return urlsplit(url if "://" in url else "http://" + url).path.lower()
    except ValueError:
        return url.lower()


def _split_options(
    args: tuple[str, ...], values: frozenset[str]
) -> tuple[list[tuple[str, str]], list[str]]:
    """``(option, value)`` pairs and positional words; ``-XPOST``/``--x=y`` are split."""
    opts: list[tuple[str, str]] = []
    words: list[str] = []
    i = 0
    while i < len(args):
        arg = args[i]
        if arg.startswith("--") and "=" in arg:
            name, value = arg.split("=", 1)
            opts.append((name, value))
        elif arg in values:
            opts.append((arg, args[i + 1] if i + 1 < len(args) else ""))
            i += 1
        elif (
            arg.startswith("-") and not arg.startswith("--") and len(arg) > 2 and arg[:2] in values
        ):
            opts.append((arg[:2], arg[2:]))
        elif arg.startswith("-") and arg != "-":
            opts.append((arg, ""))
        else:
            words.append(arg)
        i += 1
    return opts, words


def _curl(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    opts, words = _split_options(cmd.args, _CURL_VALUES)
    names = {name for name, _ in opts}
    urls = words + [v for n, v in opts if n == "--url"]
    method = next((v.upper() for n, v in opts if n in ("-X", "--request")), "")
    if not method:
        if names & {"-T", "--upload-file"}:
            method = "PUT"
        elif names & _CURL_DATA and not names & {"-G", "--get"}:
            method = "POST"
        elif names & {"-I", "--head"}:
            method = "HEAD"
        else:
            method = "GET"
    found = [_request(cmd, ctx, method, url) for url in urls] or [
        _request(cmd, ctx, method, "an unnamed URL")
    ]
    quotes = [v for n, v in opts if n in ("-Q", "--quote")]
    if any(q.upper().lstrip("+-*").startswith(_FTP_DELETES) for q in quotes):
        found.append(_request(cmd, ctx, "DELETE", urls[0] if urls else "an FTP server"))
    for name, value in opts:
        if name in _CURL_FILES and value not in ("-", ""):
            found.append(write_finding(HTTP_OUTPUT, cmd, ctx, value, LOCAL_SELF_TAMPER_OUTPUT))
        if name in ("-K", "--config"):
            found.append(_request(cmd, ctx, "POST", f"URLs from {value}"))
    return found


def _request(cmd: SimpleCommand, ctx: CommandContext, method: str, url: str) -> Finding:
    host = _host(url) if "://" in url or "." in url.split("/", maxsplit=1)[0] else None
    env = ctx.resolve_environment("hosts", host)
    if url.startswith("file://"):
        return finding(
            HTTP_READ,
            cmd,
            scope=Scope.WORKSPACE,
            target=url,
            risk=Risk.NONE,
            explanation="reads a local file",
            category=Category.READ,
        )
    if url.startswith(("smtp://", "smtps://")):
        method = "POST"  # curl sends mail
    deleting = method == "DELETE" or (
        method not in ("GET", "HEAD", "OPTIONS") and "delete" in _path(url)
    )
    if deleting:
        rule, category, risk = HTTP_DELETE, Category.DELETE, Risk.HIGH
    elif method in ("GET", "HEAD", "OPTIONS", "TRACE", "PROPFIND"):
        rule, category, risk = HTTP_READ, Category.READ, Risk.LOW
    else:
        rule, category, risk = HTTP_WRITE, Category.WRITE, Risk.MEDIUM
    return finding(
        rule,
        cmd,
        scope=Scope.REMOTE,
        target=url,
        explanation=f"HTTP {method} {url}",
        risk=risk,
        environment=env,
        category=category,
    )


_WGET_VALUES = word_table(
    """
        -O --output-document -o --output-file -a --append-output -P --directory-prefix -i
        --input-file -U --user-agent --header --post-data --post-file --body-data
        --body-file --method -t --tries -T --timeout -w --wait --user --password --http-user
        --http-password -e --execute -l --level -A --accept -R --reject -D --domains
        --load-cookies --save-cookies --ca-certificate --certificate --private-key -B --base
        --limit-rate -Q --quota
    """
)


def _wget(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    opts, urls = _split_options(cmd.args, _WGET_VALUES)
    names = {name for name, _ in opts}
    method = next((v.upper() for n, v in opts if n == "--method"), "")
    if not method:
        data = {"--post-data", "--post-file", "--body-data", "--body-file"}
        method = "POST" if names & data else "GET"
    found = [_request(cmd, ctx, method, url) for url in urls] or [
        _request(cmd, ctx, method, "URLs from a file")
    ]
    spider = "--spider" in names
    outputs = [
        v
        for n, v in opts
        if n
        in (
            "-O",
            "--output-document",
            "-P",
            "--directory-prefix",
            "-o",
            "--output-file",
            "--save-cookies",
        )
    ]
    if not spider:
        found += [
            write_finding(HTTP_OUTPUT, cmd, ctx, v, LOCAL_SELF_TAMPER_OUTPUT)
            for v in outputs
            if v not in ("-", "")
        ]
    return found


_HTTPIE_METHODS = frozenset({"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"})
_HTTPIE_VALUES = word_table(
    """
        -a --auth -A --auth-type -o --output --session --session-read-only --proxy --verify
        --cert --cert-key --timeout --max-redirects -b --body --pretty -s --style -p --print
        --format-options --default-scheme --ssl --ciphers --boundary
    """
)


def _httpie(cmd: SimpleCommand, ctx: CommandContext) -> Iterable[Finding]:
    opts, words = _split_options(cmd.args, _HTTPIE_VALUES)
    names = {name for name, _ in opts}
    if not words or names & {"--help", "--version"}:
        return (_request(cmd, ctx, "GET", "help"),)
    method = ""
    if words[0].upper() in _HTTPIE_METHODS and words[0].isupper():
        method, words = words[0], words[1:]
    url = words[0] if words else "an unnamed URL"
    items = words[1:]
    if not method:
        sends = any(("=" in i or "@" in i) and "==" not in i for i in items)
        method = "POST" if sends or names & {"-f", "--form", "--raw"} else "GET"
    if names & {"--offline"}:
        return (_request(cmd, ctx, "GET", url),)
    found = [_request(cmd, ctx, method, url)]
    found += [
        write_finding(HTTP_OUTPUT, cmd, ctx, v, LOCAL_SELF_TAMPER_OUTPUT)
        for n, v in opts
        if n in ("-o", "--output")
    ]
    return found


HANDLERS: Mapping[str, Handler] = {
    "curl": _curl,
    "wget": _wget,
    "wget2": _wget,
    "http": _httpie,
    "https": _httpie,
    "xh": _httpie,
    "xhs": _httpie,
    "curlie": _curl,
}

RULES: tuple[Rule, ...] = (HTTP_READ, HTTP_WRITE, HTTP_DELETE, HTTP_OUTPUT)
