"""Administering the machine: processes, services, power, firewall, accounts, crontab,
PostgreSQL clusters."""

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
        ("pg_ctl stop -D /var/lib/postgresql/data", Verdict.ASK, "host-service-change"),
        ("pg_ctl -D /srv/pg -m fast restart", Verdict.ASK, "host-service-change"),
        ("pg_ctl status -D /srv/pg", Verdict.ALLOW, "local-read"),
        ("pg_ctlcluster 15 main stop", Verdict.ASK, "host-service-change"),
        ("pg_ctlcluster 15 main status", Verdict.ALLOW, "local-read"),
        ("pg_lsclusters", Verdict.ALLOW, "local-read"),
        ("pg_dropcluster 15 main --stop", Verdict.ASK, "host-database-cluster-delete"),
        ("pg_resetwal -f /var/lib/postgresql/data", Verdict.ASK,
         "host-database-cluster-delete"),
        ("pg_resetwal -n /var/lib/postgresql/data", Verdict.ALLOW, "local-read"),
        ("pg_archivecleanup /mnt/wal 000000010000000000000010", Verdict.ASK,
         "host-database-cluster-delete"),
    ],
)  # fmt: skip
def test_system_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected
