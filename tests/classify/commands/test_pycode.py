"""Inline Python read with ast: resolved call names, literal arguments, dynamic code."""

from __future__ import annotations

import pytest

from interlock.classify.commands.pycode import analyse


@pytest.mark.parametrize(
    ("source", "kinds"),
    [
        ("print(1 + 1)", []),
        ("import json; print(json.dumps({'a': 1}))", []),
        ("import shutil; shutil.rmtree('/home/user')", [("delete", "/home/user")]),
        ("import shutil as sh; sh.rmtree('/')", [("delete", "/")]),
        ("from os import remove; remove('/etc/passwd')", [("delete", "/etc/passwd")]),
        ("import pathlib; pathlib.Path('/etc/x').unlink()", [("delete", "/etc/x")]),
        ("from pathlib import Path; Path('build').rmdir()", [("delete", "build")]),
        ("open('/etc/hosts', 'w').write('x')", [("write", "/etc/hosts")]),
        ("open('notes.txt').read()", []),
        ("open('log.txt', mode='a')", [("write", "log.txt")]),
        ("import os; os.system('rm -rf /')", [("run", "rm -rf /")]),
        ("import subprocess; subprocess.run(['rm', '-rf', '/tmp/x'])", [("run", "rm -rf /tmp/x")]),
        ("import subprocess as sp; sp.check_output(cmd, shell=True)", [("run", None)]),
        ("exec(input())", [("dynamic", None)]),
        ("import base64; exec(base64.b64decode('cHJpbnQoMSk='))", [("dynamic", None),
                                                                     ("dynamic", None)]),
        ("getattr(__import__('os'), 'sy' + 'stem')('id')", [("dynamic", None),
                                                            ("dynamic", None)]),
        ("import ctypes", [("dynamic", None)]),
        ("print('shutil.rmtree(\"/\")')", []),
        ("import boto3; boto3.client('rds').delete_db_instance(X='p')",
         [("remote", "boto3.client('rds').delete_db_instance")]),
        ("import sqlite3; sqlite3.connect('a.db').execute('DROP TABLE t')",
         [("remote", "DROP TABLE t")]),
        ("import sqlite3; sqlite3.connect('a.db').execute(q)", [("remote", None)]),
    ],
)  # fmt: skip
def test_effects(source: str, kinds: list[tuple[str, str | None]]) -> None:
    effects = analyse(source)
    assert effects is not None
    assert sorted(((e.kind, e.value) for e in effects), key=str) == sorted(kinds, key=str)


def test_unparseable_source_is_none() -> None:
    assert analyse("print(") is None
    assert analyse("\x00") is None
