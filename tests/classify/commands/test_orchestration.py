"""Orchestration tools: ansible, salt and the parallel shells, judged on every host."""

from __future__ import annotations

import pytest

from interlock.models import Scope, Verdict
from tests.classify.commands.localtools import findings, rule_ids, verdict


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        # the lines that were allowed as unknown local programs
        ("ansible all -i prod -m shell -a 'rm -rf /var/lib/mysql'", Verdict.HOLD, "fs-delete"),
        ("ansible-playbook -i prod teardown.yml", Verdict.HOLD, "orch-unreviewed-run"),
        ("salt '*' cmd.run 'rm -rf /data'", Verdict.HOLD, "fs-delete"),
        # ad-hoc commands: the text is shell run on every host, read like ssh's
        ("ansible all -i prod -m shell -a uptime", Verdict.ALLOW, "orch-remote-command"),
        ("ansible web -a 'df -h'", Verdict.ALLOW, "orch-remote-command"),
        ("ansible web -a 'systemctl stop nginx'", Verdict.HOLD, "host-service-change"),
        ("ansible all -m raw -a 'reboot'", Verdict.HOLD, "host-power"),
        ("ansible all -m shell -a 'cat ~/.aws/credentials'", Verdict.HOLD,
         "credential-file-exposure"),
        ("ansible all -m shell -a \"$CMD\"", Verdict.HOLD, "orch-remote-command"),
        ("ansible web -m shell -a './deploy.sh'", Verdict.ASK, "shell-unknown-program"),
        ("ansible web -i prod -m shell -a './deploy.sh'", Verdict.HOLD,
         "shell-unknown-program"),
        # ansible's option grammar: attached, ``=``, abbreviated, clustered, FQCN
        ("ansible all -mshell -a 'rm -rf /'", Verdict.HOLD, "fs-delete"),
        ("ansible all -m=shell -a='rm -rf /'", Verdict.HOLD, "fs-delete"),
        ("ansible all --module-name=ansible.builtin.shell --args 'rm -rf /'", Verdict.HOLD,
         "fs-delete"),
        ("ansible all --mod shell --arg 'rm -rf /'", Verdict.HOLD, "fs-delete"),
        ("ansible all -bm shell -a 'rm -rf /'", Verdict.HOLD, "fs-delete"),
        ("ansible -m shell -a 'rm -rf /' all", Verdict.HOLD, "fs-delete"),
        ("ansible all -a 'rm -rf /srv'", Verdict.HOLD, "fs-delete"),  # default: command
        ("ansible all -m command -a '{\"cmd\": \"rm -rf /\"}'", Verdict.HOLD, "fs-delete"),
        ("ansible all -m command -a 'rm -rf data chdir=/var/lib/mysql'", Verdict.HOLD,
         "fs-delete"),
        ("ansible all -m script -a 'cleanup.sh --all'", Verdict.ASK, "code-script-file"),
        # check mode skips shell and command, not raw
        ("ansible all -m shell -a 'rm -rf /' --check", Verdict.ALLOW, "orch-read"),
        ("ansible all -m raw -a 'rm -rf /' -C", Verdict.HOLD, "fs-delete"),
        # modules
        ("ansible all -i prod -m ping", Verdict.ALLOW, "orch-read"),
        ("ansible all -m setup -a 'filter=ansible_distribution*'", Verdict.ALLOW, "orch-read"),
        ("ansible all -m community.general.pids_info", Verdict.ALLOW, "orch-read"),
        ("ansible web --list-hosts", Verdict.ALLOW, "orch-read"),
        ("ansible all -m slurp -a 'src=/etc/shadow'", Verdict.HOLD, "credential-file-exposure"),
        ("ansible web -m copy -a 'src=app.conf dest=/etc/app.conf'", Verdict.ASK,
         "orch-module-write"),
        ("ansible web -i prod -m copy -a 'src=app.conf dest=/etc/app.conf'", Verdict.HOLD,
         "orch-module-write"),
        ("ansible web -i staging -b -m apt -a 'name=nginx state=present'", Verdict.ALLOW,
         "orch-module-write"),
        ("ansible web -m apt -a 'name=nginx state=absent'", Verdict.HOLD,
         "orch-module-delete"),
        ("ansible db -m file -a 'path=/var/lib/mysql state=absent'", Verdict.HOLD,
         "orch-module-delete"),
        ("ansible all -m user -a 'name=bob state=absent remove=yes'", Verdict.HOLD,
         "orch-module-delete"),
        ("ansible web -m service -a 'name=nginx state=stopped'", Verdict.HOLD,
         "orch-module-delete"),
        ("ansible web -m service -a 'name=nginx state=restarted'", Verdict.ASK,
         "orch-module-write"),
        ("ansible db -m mysql_db -a 'name=app state=absent'", Verdict.HOLD,
         "orch-module-delete"),
        ("ansible db -m community.mysql.mysql_db -a '{\"name\": \"app\", \"state\": \"absent\"}'",
         Verdict.HOLD, "orch-module-delete"),
        ("ansible all -m reboot", Verdict.HOLD, "orch-module-delete"),
        ("ansible all -m authorized_key -a 'user=root key=ssh-ed25519-AAAA'", Verdict.HOLD,
         "orch-privilege"),
        ("ansible all -m user -a 'name=eve groups=sudo append=yes'", Verdict.HOLD,
         "orch-privilege"),
        ("ansible all -m lineinfile -a 'path=/etc/sudoers line=x'", Verdict.HOLD,
         "orch-privilege"),
        ("ansible all -i staging -m some_custom_module", Verdict.ALLOW, "orch-module-write"),
        ("ansible all -m some_custom_module", Verdict.ASK, "orch-module-write"),
        ("ansible all -m win_shell -a 'Remove-Item C:\\data -Recurse'", Verdict.HOLD,
         "orch-unreviewed-run"),
        ("ansible all -m \"$MODULE\"", Verdict.HOLD, "orch-unreviewed-run"),
        # playbooks: unreviewed code, unless only listed, checked or dry-run
        ("ansible-playbook -i inventories/staging/hosts site.yml", Verdict.HOLD,
         "orch-unreviewed-run"),
        ("ansible-playbook -i prod site.yml --check", Verdict.ALLOW, "orch-read"),
        ("ansible-playbook -i prod site.yml --syntax-check", Verdict.ALLOW, "orch-read"),
        ("ansible-playbook site.yml --list-tasks", Verdict.ALLOW, "orch-read"),
        ("ansible-playbook site.yml --list-hosts", Verdict.ALLOW, "orch-read"),
        ("ansible-playbook site.yml --list-tags", Verdict.ALLOW, "orch-read"),
        ("ansible-pull -U https://git.example.com/infra.git", Verdict.HOLD,
         "orch-unreviewed-run"),
        ("ansible-inventory -i prod --list", Verdict.ALLOW, "orch-read"),
        ("ansible-doc -l", Verdict.ALLOW, "orch-read"),
        ("ansible-config dump", Verdict.ALLOW, "orch-read"),
        # galaxy installs are package installs
        ("ansible-galaxy install geerlingguy.mysql", Verdict.ASK, "pkg-host-install"),
        ("ansible-galaxy collection install -r requirements.yml -p ./collections",
         Verdict.ALLOW, "pkg-project"),
        ("ansible-galaxy role list", Verdict.ALLOW, "pkg-read"),
        ("ansible-galaxy role remove geerlingguy.mysql", Verdict.ASK, "pkg-host-remove"),
        # salt
        ("salt '*' test.ping", Verdict.ALLOW, "orch-read"),
        ("salt '*' grains.items", Verdict.ALLOW, "orch-read"),
        ("salt '*' pillar.items", Verdict.ALLOW, "orch-read"),
        ("salt '*' pkg.list_pkgs", Verdict.ALLOW, "orch-read"),
        ("salt '*' status.uptime", Verdict.ALLOW, "orch-read"),
        ("salt '*' cmd.run 'df -h'", Verdict.ALLOW, "orch-remote-command"),
        ("salt -G 'env:prod' cmd.run 'systemctl restart nginx'", Verdict.HOLD,
         "host-service-change"),
        ("salt '*' cmd.run 'rm -rf data' cwd=/var/lib/mysql", Verdict.HOLD,
         "fs-delete"),
        ("salt '*' cmd.exec_code python 'import shutil; shutil.rmtree(\"/srv\")'",
         Verdict.HOLD, "code-inline-delete"),
        ("salt '*' cmd.script salt://scripts/cleanup.sh", Verdict.HOLD, "orch-unreviewed-run"),
        ("salt '*' state.apply", Verdict.HOLD, "orch-unreviewed-run"),
        ("salt 'web*' state.sls nginx", Verdict.HOLD, "orch-unreviewed-run"),
        ("salt '*' state.highstate", Verdict.HOLD, "orch-unreviewed-run"),
        ("salt '*' state.apply test=True", Verdict.ALLOW, "orch-read"),
        ("salt '*' state.show_sls nginx", Verdict.ALLOW, "orch-read"),
        ("salt '*' pkg.install nginx", Verdict.ASK, "orch-module-write"),
        ("salt '*' pkg.remove nginx", Verdict.HOLD, "orch-module-delete"),
        ("salt '*' file.remove /etc/app.conf", Verdict.HOLD, "orch-module-delete"),
        ("salt '*' user.delete bob", Verdict.HOLD, "orch-module-delete"),
        ("salt '*' service.stop nginx", Verdict.HOLD, "orch-module-delete"),
        ("salt '*' system.reboot", Verdict.HOLD, "orch-module-delete"),
        ("salt '*' ssh.set_auth_key root AAAAB3Nza", Verdict.HOLD, "orch-privilege"),
        ("salt '*' file.read /etc/shadow", Verdict.HOLD, "credential-file-exposure"),
        ("salt '*' test.ping,cmd.run '' 'rm -rf /'", Verdict.HOLD, "orch-remote-command"),
        ("salt-ssh 'web*' -r 'rm -rf /srv'", Verdict.HOLD, "fs-delete"),
        ("salt-ssh '*' cmd.run uptime", Verdict.ALLOW, "orch-remote-command"),
        # salt-call runs on this host, as root
        ("salt-call cmd.run 'rm -rf /'", Verdict.DENY, "fs-delete"),
        ("salt-call state.highstate", Verdict.HOLD, "orch-unreviewed-run"),
        ("salt-call grains.items", Verdict.ALLOW, "orch-read"),
        ("salt-call --local pkg.install nginx", Verdict.ASK, "orch-module-write"),
        ("salt-key -L", Verdict.ALLOW, "orch-read"),
        ("salt-key -A", Verdict.HOLD, "orch-privilege"),
        ("salt-key -D --yes", Verdict.HOLD, "orch-module-delete"),
        ("salt-run jobs.list_jobs", Verdict.ALLOW, "orch-read"),
        ("salt-run state.orchestrate orch.deploy", Verdict.HOLD, "orch-unreviewed-run"),
        # parallel shells
        ("pdsh -w prod-web[1-4] 'rm -rf /tmp/x'", Verdict.HOLD, "fs-delete"),
        ("pdsh -w web[1-4] uptime", Verdict.ALLOW, "orch-remote-command"),
        ("pdsh -R ssh -w web1,web2 -l root rm -rf /srv", Verdict.HOLD, "fs-delete"),
        ("pssh -h hosts-prod.txt -i 'systemctl stop nginx'", Verdict.HOLD,
         "host-service-change"),
        ("parallel-ssh -H 'web1 web2' -i uptime", Verdict.ALLOW, "orch-remote-command"),
        ("clush -w node[1-9] -b uptime", Verdict.ALLOW, "orch-remote-command"),
        ("clush -g all 'rm -rf /scratch'", Verdict.HOLD, "fs-delete"),
        ("clush -w node1 --copy app.conf --dest /etc/", Verdict.ASK, "orch-module-write"),
        ("mussh -h web1 web2 -c 'reboot'", Verdict.HOLD, "host-power"),
        ("pdsh -w web1", Verdict.HOLD, "orch-unreviewed-run"),
    ],
)  # fmt: skip
def test_orchestration_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


@pytest.mark.parametrize(
    "inner",
    ["rm -rf /", "rm -rf /var/lib/mysql", "systemctl stop nginx", "uptime", "./deploy.sh"],
)
def test_ad_hoc_commands_are_judged_like_ssh(inner: str) -> None:
    """The same command gets the same verdict through ssh and through each tool."""
    over_ssh = verdict(f"ssh web1 '{inner}'")
    for line in (
        f"ansible web1 -m shell -a '{inner}'",
        f"salt web1 cmd.run '{inner}'",
        f"pdsh -w web1 '{inner}'",
        f"clush -w web1 '{inner}'",
    ):
        assert verdict(line) is over_ssh, line


@pytest.mark.parametrize(
    ("line", "environment"),
    [
        ("ansible all -i prod -m ping", "production"),
        ("ansible all -i inventories/production/hosts -m ping", "production"),
        ("ansible all -i inventory/hosts-prod.yml -m ping", "production"),
        ("ansible all -i staging.ini -m ping", "staging"),
        ("ansible all -i stg-web1,stg-web2, -m ping", "staging"),
        ("ansible all -i staging.ini -l prod-db1 -m ping", "production"),
        ("ansible prod-web -m ping", "production"),
        ("ansible staging -m ping", "staging"),
        ("ansible 'staging:webservers' -m ping", None),  # webservers is unknown
        ("ansible all -m ping", None),
        ("ansible all -i /home/dev/infra/hosts -m ping", None),
        ("ANSIBLE_INVENTORY=inventories/production/hosts ansible all -m ping", "production"),
        ("salt -G 'env:staging' test.ping", "staging"),
        ("salt -C 'G@env:prod and web*' test.ping", "production"),
        ("salt -L 'dev-1,dev-2' test.ping", "development"),
        ("pdsh -w prod-web[1-4] uptime", "production"),
        ("pssh -h hosts-staging.txt uptime", "staging"),
        ("mussh -h prod-a prod-b -c uptime", "production"),
    ],
)
def test_hosts_are_placed_in_environments(line: str, environment: str | None) -> None:
    found = [f for f in findings(line) if f.rule_id.startswith("orch-")]
    assert found
    assert {f.environment for f in found} == {environment}


def test_remote_findings_reach_the_hosts() -> None:
    found = findings("ansible all -i prod -m shell -a 'rm -rf /var/lib/mysql'")
    delete = next(f for f in found if f.rule_id == "fs-delete")
    assert delete.scope is Scope.REMOTE
    assert delete.environment == "production"


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("ansible all -m shell -a '{{ cmd }}' -e cmd='rm -rf /'", Verdict.HOLD,
         "orch-unreviewed-run"),
        ("ansible all -m file -a 'path=/srv state={{ s }}'", Verdict.HOLD,
         "orch-unreviewed-run"),
        ("ansible all -m shell -a 'bash stdin=\"rm -rf /\"'", Verdict.HOLD, "fs-delete"),
        ("ansible-console -i prod", Verdict.HOLD, "orch-unreviewed-run"),
        ("ansible-galaxy -s https://galaxy.example.com role list", Verdict.ALLOW, "pkg-read"),
        ("pscp -h hosts.txt app.conf /etc/app.conf", Verdict.ASK, "orch-module-write"),
        ("prsync -h hosts.txt -r -X --delete ./site/ /var/www/", Verdict.HOLD,
         "orch-module-delete"),
        ("pnuke -h hosts.txt nginx", Verdict.HOLD, "orch-module-delete"),
        ("pslurp -h hosts.txt -L out /etc/shadow shadow", Verdict.HOLD,
         "credential-file-exposure"),
        ("pdcp -w web[1-4] app.conf /etc/app.conf", Verdict.ASK, "orch-module-write"),
        ("ansible-navigator run site.yml -i prod", Verdict.HOLD, "orch-unreviewed-run"),
        ("ansible-runner run /srv/runner -p site.yml", Verdict.HOLD, "orch-unreviewed-run"),
        ("ansible-navigator collections", Verdict.ALLOW, "orch-read"),
    ],
)  # fmt: skip
def test_templated_and_file_moving_lines(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected
