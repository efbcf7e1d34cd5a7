"""File destruction and writes: rm, dd, mkfs, mv, cp, chmod, find -delete, rsync."""

from __future__ import annotations

import pytest

from interlock.models import Category, Verdict
from tests.classify.commands.localtools import (
    findings,
    rule_ids,
    verdict,
)


@pytest.mark.parametrize(
    ("line", "expected", "rule"),
    [
        ("rm -rf /", Verdict.DENY, "fs-delete"),
        ("rm -rf ~", Verdict.DENY, "fs-delete"),
        ("rm -rf $HOME", Verdict.DENY, "fs-delete"),
        ("rm -rf /home/user", Verdict.DENY, "fs-delete"),
        ("rm --recursive --force /etc", Verdict.DENY, "fs-delete"),
        ("rm -rf /usr/bin/../../etc", Verdict.DENY, "fs-delete"),
        ("rm -rf ~/Documents", Verdict.ASK, "fs-delete"),
        ("rm -rf /tmp/build", Verdict.ASK, "fs-delete"),
        ("rm -rf ../other-project", Verdict.ASK, "fs-delete"),
        ("rm -rf ./build", Verdict.ALLOW, "fs-delete"),
        ("rm -rf node_modules dist __pycache__", Verdict.ALLOW, "fs-delete"),
        ("rm -f notes.txt", Verdict.ALLOW, "fs-delete"),
        ("rm *.pyc", Verdict.ALLOW, "fs-delete"),
        ("rm -rf src", Verdict.ASK, "fs-delete-source-tree"),
        ("rm -rf *", Verdict.ASK, "fs-delete-source-tree"),
        ("rm -rf .", Verdict.ASK, "fs-delete-source-tree"),
        # after ``cd`` the wildcard is the contents of the directory moved to
        ("cd / && rm -rf *", Verdict.DENY, "fs-delete"),
        ("cd / && rm -rf ./*", Verdict.DENY, "fs-delete"),
        ("cd ~ && rm -rf *", Verdict.DENY, "fs-delete"),
        ("cd /etc; rm -rf .", Verdict.DENY, "fs-delete"),
        ("cd build && rm -rf *", Verdict.ASK, "fs-delete-source-tree"),
        ("rm --help", Verdict.ALLOW, "local-read"),
        ("rmdir empty_folder", Verdict.ALLOW, "fs-delete"),
        ("shred -u /etc/shadow", Verdict.ASK, "fs-delete"),
        ("shred /dev/sda", Verdict.DENY, "fs-disk-wipe"),
        ("truncate -s 0 /var/log/syslog", Verdict.ASK, "fs-delete"),
        ("dd if=/dev/zero of=/dev/sda bs=1M", Verdict.DENY, "fs-disk-wipe"),
        ("dd if=/dev/zero of=disk.img bs=1M count=10", Verdict.ALLOW, "fs-write"),
        ("mkfs.ext4 /dev/sdb1", Verdict.DENY, "fs-disk-wipe"),
        ("fdisk -l", Verdict.ALLOW, "local-read"),
        ("wipefs /dev/sdb", Verdict.ALLOW, "local-read"),
        ("wipefs -a /dev/sdb", Verdict.DENY, "fs-disk-wipe"),
        ("mv /etc/passwd /dev/null", Verdict.ASK, "fs-delete"),
        ("mv old.txt new.txt", Verdict.ALLOW, "fs-write"),
        ("mv x.conf /etc/x.conf", Verdict.ASK, "fs-write"),
        ("cp a.txt /tmp/a.txt", Verdict.ALLOW, "fs-write"),
        ("cp evil /usr/bin/ls", Verdict.ASK, "fs-write"),
        ("ln -sf /dev/null ~/.bashrc", Verdict.ASK, "fs-write"),
        ("tee -a /tmp/log.txt", Verdict.ALLOW, "fs-write"),
        ("sed -i 's/a/b/' config.txt", Verdict.ALLOW, "fs-write"),
        ("sed -i.bak 's/a/b/' /etc/hosts", Verdict.ASK, "fs-write"),
        ("sed 's/a/b/' /etc/hosts", Verdict.ALLOW, "local-read"),
        ("chmod +x run.sh", Verdict.ALLOW, "fs-write"),
        ("chmod -R 777 /", Verdict.DENY, "fs-permissions"),
        ("chown -R nobody /etc", Verdict.DENY, "fs-permissions"),
        ("chmod 644 /etc/passwd", Verdict.ASK, "fs-permissions"),
        ("chmod u+s ./tool", Verdict.ASK, "fs-permissions"),
        ("chmod 4755 ./tool", Verdict.ASK, "fs-permissions"),
        ("find . -name '*.pyc' -delete", Verdict.ASK, "fs-delete-source-tree"),
        ("find build -name '*.o' -delete", Verdict.ALLOW, "fs-delete"),
        ("find / -name core -delete", Verdict.DENY, "fs-delete"),
        ("find . -name '*.rs'", Verdict.ALLOW, "local-read"),
        ("find /etc -name '*.conf' -exec rm {} \\;", Verdict.DENY, "fs-delete"),
        # ``//`` is the root; a disk written over by any program is wiped
        ("rm -rf //", Verdict.DENY, "fs-delete"),
        ("rm -rf ///etc", Verdict.DENY, "fs-delete"),
        ("rm -rf //tmp/x", Verdict.ASK, "fs-delete"),
        ("cp /dev/zero /dev/sda", Verdict.DENY, "fs-disk-wipe"),
        ("tee /dev/nvme0n1 < /dev/zero", Verdict.DENY, "fs-disk-wipe"),
        ("mv image.bin /dev/sdb", Verdict.DENY, "fs-disk-wipe"),
        ("cp notes.txt backup.txt", Verdict.ALLOW, "fs-write"),
        # a link to interlock's own files would let later commands change them
        ("ln -s .claude x", Verdict.DENY, "self-tamper-file"),
        ("ln ../interlock.yaml cfg", Verdict.DENY, "self-tamper-file"),
        ("ln -s src/lib lib", Verdict.ALLOW, "fs-write"),
        ("cp .claude/settings.json /tmp/settings.json", Verdict.ALLOW, "fs-write"),
        ("cp x.json .CLAUDE/Settings.json", Verdict.DENY, "self-tamper-file"),
        # git hooks and git's config run later, outside any check
        ("cp hooks/pre-commit .git/hooks/pre-commit", Verdict.ASK, "fs-write"),
        ("rm .git/hooks/pre-commit.sample", Verdict.ASK, "fs-delete"),
        ("cp hooks/pre-commit githooks/pre-commit", Verdict.ALLOW, "fs-write"),
        # file attributes are judged like ownership and mode
        ("chattr +i /etc/passwd", Verdict.ASK, "fs-permissions"),
        ("chattr -R +i /", Verdict.DENY, "fs-permissions"),
        ("chflags schg /etc/hosts", Verdict.ASK, "fs-permissions"),
        ("find . -name '*.txt' -exec cat {} \\;", Verdict.ALLOW, "local-read"),
        ("sed -i 's/foo/bar/' /etc/hosts", Verdict.ASK, "fs-write"),
        # ``-iSUFFIX``: the script is then ``/etc/hosts``, which sed cannot read either
        ("sed -i's/foo/bar/' /etc/hosts", Verdict.HOLD, "shell-opaque-eval"),
        ("rsync -a --delete /src/ /dest/", Verdict.ASK, "fs-rsync-delete"),
        ("rsync -a --delete ./site/ deploy@web.prod.internal:/srv/site/", Verdict.HOLD,
         "fs-rsync-delete"),
        ("rsync -av --dry-run --delete /data/ /mnt/backup/", Verdict.ALLOW, "local-read"),
        ("rsync -a ./dist/ ./public/", Verdict.ALLOW, "fs-write"),
        ("scp app.tar deploy@web.prod.internal:/srv/", Verdict.HOLD, "fs-write"),
        ("scp deploy@web.prod.internal:/srv/app.log .", Verdict.ALLOW, "fs-write"),
        ("rm interlock.yaml", Verdict.DENY, "self-tamper-file"),
        ("chmod 777 .claude/settings.json", Verdict.DENY, "self-tamper-file"),
        ("mv .claude/settings.json /tmp/", Verdict.DENY, "self-tamper-file"),
    ],
)  # fmt: skip
def test_file_table(line: str, expected: Verdict, rule: str) -> None:
    assert rule in rule_ids(line)
    assert verdict(line) is expected


def test_workspace_is_the_cwd_and_below() -> None:
    assert verdict("rm -rf /work/app/build", cwd="/work/app") is Verdict.ALLOW
    assert verdict("rm -rf /work/other", cwd="/work/app") is Verdict.ASK
    assert verdict("rm -rf ../../..", cwd="/work/app") is Verdict.DENY


def test_rsync_remote_delete_is_stateful_remote() -> None:
    found = [f for f in findings("rsync -a --delete ./ db.prod.internal:/srv/")
             if f.rule_id == "fs-rsync-delete"]  # fmt: skip
    assert found[0].category is Category.DELETE
    assert found[0].environment == "production"
