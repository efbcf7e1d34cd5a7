"""Administering the machine: processes, services, power, firewall, accounts."""

from __future__ import annotations

import pytest

from interlock.models import Verdict
from tests.classify.commands.localtools import (
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("kill -9 -1", Verdict.ASK, "host-process-kill"),
        ("kill 1234", Verdict.ASK, "host-process-kill"),
        ("kill -l", Verdict.ALLOW, "local-read"),
        ("killall node", Verdict.ASK, "host-process-kill"),
        ("pkill -f 'python server.py'", Verdict.ASK, "host-process-kill"),
        ("systemctl status nginx", Verdict.ALLOW, "local-read"),
        ("systemctl stop nginx", Verdict.ASK, "host-service-change"),
        ("systemctl poweroff", Verdict.ASK, "host-power"),
        ("shutdown -h now", Verdict.ASK, "host-power"),
        ("reboot", Verdict.ASK, "host-power"),
        ("iptables -L -n", Verdict.ALLOW, "local-read"),
        ("iptables -F", Verdict.ASK, "host-firewall"),
        ("ufw disable", Verdict.ASK, "host-firewall"),
        ("userdel -r alice", Verdict.ASK, "host-accounts"),
        ("passwd root", Verdict.ASK, "host-accounts"),
        ("crontab -l", Verdict.ALLOW, "local-read"),
        ("crontab -r", Verdict.ASK, "host-crontab"),
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
def test_system_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected
