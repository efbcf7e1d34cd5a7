"""Machine configuration: network, kernel, disks and macOS settings, by verb tables."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import rule_ids, verdict


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("ip addr show", Verdict.ALLOW, "local-read"),
        ("ip link set eth0 down", Verdict.ASK, "host-config-change"),
        ("ip route del default", Verdict.ASK, "host-config-change"),
        ("ifconfig eth0", Verdict.ALLOW, "local-read"),
        ("ifconfig eth0 down", Verdict.ASK, "host-config-change"),
        ("sysctl kern.hostname", Verdict.ALLOW, "local-read"),
        ("sysctl -w vm.swappiness=10", Verdict.ASK, "host-config-change"),
        ("launchctl list", Verdict.ALLOW, "local-read"),
        ("launchctl bootout system/com.example", Verdict.ASK, "host-config-change"),
        ("diskutil list", Verdict.ALLOW, "local-read"),
        ("diskutil eraseDisk APFS X disk2", Verdict.ASK, "host-config-change"),
        ("defaults read com.apple.Finder", Verdict.ALLOW, "local-read"),
        ("defaults write com.apple.Finder X -bool true", Verdict.ASK, "host-config-change"),
        ("security find-identity -v", Verdict.ALLOW, "local-read"),
        ("security delete-keychain login.keychain", Verdict.ASK, "host-config-change"),
        ("dscl . -read /Users/alice", Verdict.ALLOW, "local-read"),
        ("dscl . -delete /Users/alice", Verdict.ASK, "host-accounts"),
        ("pkgutil --pkgs", Verdict.ALLOW, "local-read"),
        ("pkgutil --forget com.example.pkg", Verdict.ASK, "host-config-change"),
        ("umount /mnt/data", Verdict.ASK, "host-config-change"),
    ],
)
def test_hostconfig_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected
