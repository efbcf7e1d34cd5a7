"""The command a container runs, judged where it reaches the host (``containerrun``).

A container given the host (privileged, host namespaces, the Docker socket, a bind
mount of ``/`` or ``/etc``) runs its command as root on the host; any bind mount
makes the paths under its target the host's. Before, each of these lines was only
asked (``container-host-access``) or allowed, whatever the command inside did.
"""

from __future__ import annotations

import pytest

from interlock.classify.containerrun import binds, host_access
from interlock.models import Verdict
from tests.classify.commands.localtools import findings, rule_ids, verdict

CWD = "/home/alice/proj"


@pytest.mark.parametrize(
    ("line", "target"),
    [
        ("docker run -v /:/host alpine rm -rf /host/etc", "/etc"),
        ("docker run --rm -v /:/mnt alpine sh -c 'rm -rf /mnt/*'", "/*"),
        ("docker run --mount type=bind,source=/,target=/h alpine rm -rf /h", "/"),
        ("docker run -v /home:/h alpine rm -rf /h/alice", "/home/alice"),
        ("docker run -v /etc:/hostetc -v /:/h alpine rm -rf /hostetc/ssh", "/etc/ssh"),
        ("docker container run -v /:/x busybox rm -rf /x/boot", "/boot"),
        ("podman run --volume=/:/x busybox rm -rf /x/usr", "/usr"),
    ],
)
def test_a_host_mount_is_the_host(line: str, target: str) -> None:
    assert verdict(line, CWD) is Verdict.DENY
    assert any(f.rule_id == "fs-delete" and f.target == target for f in findings(line, CWD))


def test_a_privileged_container_runs_on_the_host() -> None:
    line = "docker run --privileged --pid=host alpine nsenter -t 1 -m -- rm -rf /"
    assert verdict(line, CWD) is Verdict.DENY


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        # a bind mount of a host directory outside the workspace: its files are the host's
        ("docker run -v /srv/data:/data alpine rm -rf /data", Verdict.ASK),
        ("docker run --rm -v ~/.ssh:/k alpine cat /k/id_rsa", Verdict.ASK),
        ("docker run -v /:/host alpine ls /host", Verdict.ASK),
        ("docker run --network=host nginx", Verdict.ASK),
        # the workspace mounted and used: local work, as it is outside a container
        ("docker run -v $PWD:/src alpine rm -rf /src/build", Verdict.ALLOW),
        ("docker run --rm -v $(pwd):/app -w /app node:20 npm ci", Verdict.ALLOW),
        ('docker run --rm -v "$PWD":/w -w /w python:3.12 python -m pytest /w/tests', Verdict.ALLOW),
        ("docker run -v ./out:/out alpine rm -rf /out", Verdict.ALLOW),
        # what a container deletes of its own, or of a named volume, stays inside it
        ("docker run -v mydata:/data alpine rm -rf /data", Verdict.ALLOW),
        ("docker run alpine rm -rf /", Verdict.ALLOW),
        ("docker run -it ubuntu bash", Verdict.ALLOW),
    ],
)
def test_verdicts(line: str, expected: Verdict) -> None:
    assert verdict(line, CWD) is expected


def test_the_credential_shown_is_named() -> None:
    line = "docker run -v ~/.ssh:/k alpine cat /k/id_ed25519"
    assert "credential-file-exposure" in rule_ids(line, CWD)


def test_binds_and_host_access_read_every_form() -> None:
    options = ["-v", "/:/h", "--volume=/srv:/s:ro", "--mount", "type=bind,src=/etc,dst=/e"]
    assert binds(options) == [
        ("-v /:/h", "/", "/h"),
        ("--volume=/srv:/s:ro", "/srv", "/s"),
        ("--mount type=bind,src=/etc,dst=/e", "/etc", "/e"),
    ]
    assert host_access(options) == ["-v /:/h", "--mount type=bind,src=/etc,dst=/e"]
    assert binds(["-v", "named:/data", "--mount", "type=volume,source=v,target=/v"]) == []
    assert host_access(["--privileged", "-v", "/srv:/s"]) == ["--privileged"]
