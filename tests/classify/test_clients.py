"""Commands carried by developer, cluster, cloud and database clients are judged too.

Each line below hides ``rm -rf /`` inside a tool's own option or subcommand; the tool
alone is ordinary work, so a guard that judges only the tool lets the command through.
"""

from __future__ import annotations

import pytest

from interlock.classify.command import SimpleCommand
from interlock.classify.shell import assess_shell, split
from interlock.config import default_config
from interlock.models import Action, ActionKind, Scope, Target, Verdict
from interlock.policy import decide

CONFIG = default_config()


def judge(text: str) -> tuple[Verdict, set[tuple[str, Scope]]]:
    """The decision on ``text`` and its findings as (rule, scope) pairs."""
    action = Action(ActionKind.SHELL, text, Target(cwd="/home/alice/proj"))
    assessment = assess_shell(action, CONFIG)
    found = {(f.rule_id, f.scope) for f in assessment.findings}
    return decide(assessment, CONFIG).verdict, found


def carried(text: str) -> SimpleCommand:
    """The one ``rm`` command ``text`` runs."""
    (cmd,) = [c for c in split(text).commands if c.program == "rm"]
    return cmd


PLAIN_VERDICT, PLAIN_FOUND = judge("rm -rf /")
(RM_RULE,) = {rule for rule, _ in PLAIN_FOUND}

#: Lines whose carried command runs on this machine, as the plain command would.
LOCAL = [
    "git rebase -x 'rm -rf /' HEAD~3",
    "git rebase --exec 'rm -rf /' main",
    "git rebase --exec='rm -rf /' main",
    "git rebase '-xrm -rf /' main",
    "git rebase -ix 'rm -rf /' main",
    "git rebase --exe 'rm -rf /' main",
    "git -C sub --no-pager rebase -x 'rm -rf /' main",
    "git bisect run rm -rf /",
    # programs git runs through the shell for a transport, an archive or mail
    "git clone --upload-pack='rm -rf /' ./repo copy",
    "git clone -u 'rm -rf /' ./repo copy",
    "git fetch --upload-pack 'rm -rf /' origin",
    "git push --receive-pack='rm -rf /' origin main",
    "git archive --remote=. --exec='rm -rf /' HEAD",
    "git send-email --to-cmd='rm -rf /' x.patch",
    "git difftool -x 'rm -rf /' HEAD",
    "git difftool --extcmd 'rm -rf /' HEAD",
    "git difftool --extcmd='rm -rf /' HEAD",
    "git config core.pager 'rm -rf /'",
    "git config --global alias.st '!rm -rf /'",
    "git config --file x.cfg core.editor 'rm -rf /'",
    "git config --global --add alias.x '!rm -rf /'",
    "git config set core.pager 'rm -rf /'",
    "git config set --global core.sshCommand 'rm -rf /'",
    "git submodule foreach 'rm -rf /'",
    "git submodule --quiet foreach --recursive 'rm -rf /'",
    "git filter-branch --tree-filter 'rm -rf /'",
    "git filter-branch --index-filter='rm -rf /' HEAD",
    "git filter-branch --msg-filter cat --env-filter 'rm -rf /'",
    "npx -c 'rm -rf /'",
    "npx --yes -p cowsay --call 'rm -rf /'",
    "npm exec -c 'rm -rf /'",
    "npm exec --call='rm -rf /'",
    "npm x -- rm -rf /",
    "yarn exec rm -rf /",
    "yarn dlx rm -rf /",
    "pnpm exec rm -rf /",
    "pnpm -r exec rm -rf /",
    "pnpm exec -c 'rm -rf /'",
    "bunx rm -rf /",
    "psql -c '\\! rm -rf /'",
    "psql -h db.prod.internal -c '\\! rm -rf /'",
    "psql -c 'select 1' --command='\\! rm -rf /'",
    "mysql -e 'system rm -rf /'",
    "mysql -uroot -Bse 'SYSTEM rm -rf /'",
    "mysql -e 'select 1; \\! rm -rf /'",
    "mariadb --execute='system rm -rf /'",
    "sqlite3 x.db '.shell rm -rf /'",
    "sqlite3 x.db '.system rm -rf /'",
    "sqlite3 x.db 'select 1' '.sys rm -rf /'",
    "sqlite3 -cmd '.shell rm -rf /' x.db",
    # psql pipes output to a command, and runs \copy's PROGRAM and backquotes here
    "psql -c '\\o |rm -rf /' -c 'select 1'",
    "psql -c '\\out | rm -rf /'",
    "psql -c '\\g |rm -rf /'",
    "psql -c '\\g (format=csv) |rm -rf /'",
    "psql -c 'select 1 \\gx |rm -rf /'",
    "psql -c '\\w |rm -rf /'",
    "psql -c \"\\copy t TO PROGRAM 'rm -rf /'\"",
    "psql -c \"\\copy t from program 'rm -rf /' csv\"",
    "psql -c '\\set x `rm -rf /`'",
    "psql -o '|rm -rf /' -c 'select 1'",
    "psql --output='|rm -rf /' -c 'select 1'",
    "duckdb prod.duckdb '.shell rm -rf /'",
    "duckdb -c '.system rm -rf /'",
    "duckdb -s '.sh rm -rf /'",
    "sqlite3 x.db '.output |rm -rf /'",
    "sqlite3 x.db \".once -x '|rm -rf /'\"",
    "sqlite3 x.db '.o |rm -rf /'",
]

#: Lines whose carried command runs on another machine or in a container.
REMOTE = [
    "kubectl debug -it pod --image=busybox -- rm -rf /",
    "kubectl -n prod debug pod -c dbg --image busybox -- rm -rf /",
    "gcloud compute ssh vm --command 'rm -rf /'",
    "gcloud beta compute ssh --zone us-east1-b alice@vm --command='rm -rf /'",
    "gcloud compute ssh vm -- -t 'rm -rf /'",
    "az vm run-command invoke -g rg -n vm --command-id RunShellScript --scripts 'rm -rf /'",
    "az vm run-command invoke -g rg -n vm --scripts 'echo hi' 'rm -rf /'",
    "az vm run-command create -g rg --name c1 --vm-name vm --script 'rm -rf /'",
    'aws ssm send-command --document-name AWS-RunShellScript --parameters commands="rm -rf /"',
    'aws ssm send-command --instance-ids i-1 --parameters \'commands=["ls","rm -rf /"]\'',
    'aws ssm send-command --parameters \'{"commands":["rm -rf /"]}\' --targets Key=a,Values=b',
    "aws ssm send-command --parameters 'commands=ls,rm -rf /,workingDirectory=/tmp'",
    "aws --region eu-west-1 ssm send-command --parameters='commands=rm -rf /'",
    "aws ecs execute-command --cluster c --task t1 --interactive --command 'rm -rf /'",
]


@pytest.mark.parametrize("text", LOCAL)
def test_a_carried_local_command_is_judged_like_the_plain_one(text: str) -> None:
    verdict, found = judge(text)
    assert verdict is not Verdict.ALLOW
    assert (RM_RULE, Scope.HOST) in found
    assert verdict is PLAIN_VERDICT


@pytest.mark.parametrize("text", REMOTE)
def test_a_carried_remote_command_is_judged_where_it_runs(text: str) -> None:
    verdict, found = judge(text)
    assert verdict is not Verdict.ALLOW
    assert (RM_RULE, Scope.REMOTE) in found
    assert (RM_RULE, Scope.HOST) not in found


@pytest.mark.parametrize(
    ("text", "host", "container"),
    [
        ("gcloud compute ssh alice@vm1 --command 'rm -rf /'", "vm1", None),
        ("az vm run-command create -n c1 --vm-name vm2 --script 'rm -rf /'", "vm2", None),
        ("az vm run-command invoke -g rg -n vm3 --scripts 'rm -rf /'", "vm3", None),
        ("kubectl debug -it web-1 --image=busybox -- rm -rf /", None, "web-1"),
    ],
)
def test_the_machine_or_container_is_named(
    text: str, host: str | None, container: str | None
) -> None:
    cmd = carried(text)
    assert (cmd.remote_host, cmd.container) == (host, container)


def test_ssm_targets_name_the_remote_host() -> None:
    line = "aws ssm send-command --instance-ids i-1 i-2 --parameters commands='rm -rf /'"
    assert carried(line).remote_host == "ssm:i-1,i-2"
    tagged = "aws ssm send-command --targets Key=tag:Role,Values=web --parameters commands=rm"
    assert carried(tagged).remote_host == "ssm:Key=tag:Role,Values=web"


@pytest.mark.parametrize(
    "text",
    [
        "psql -h db.prod.internal -c '\\! rm -rf /'",
        "mysql -h db.prod.internal -e 'system rm -rf /'",
        "sqlite3 /srv/app.db '.shell rm -rf /'",
        "psql -h db.prod.internal -c '\\o |rm -rf /'",
        "duckdb md:prod '.shell rm -rf /'",
    ],
)
def test_database_shell_escapes_run_on_the_client_machine(text: str) -> None:
    cmd = carried(text)
    assert (cmd.remote_host, cmd.container) == (None, None)


@pytest.mark.parametrize(
    "text",
    [
        "aws ssm send-command --document-name AWS-RunShellScript --parameters file://p.json",
        "aws ssm send-command --parameters 'commands=[\"unterminated'",
        'aws ssm send-command --parameters "$PARAMS"',
        "az vm run-command invoke -g rg -n vm --scripts @deploy.sh",
        "az vm run-command create -g rg --vm-name vm --script-uri https://x/y.sh",
        'gcloud compute ssh vm --command "$CMD"',
        'psql -c "\\! rm $TARGET"',
        "psql -c \"\\copy t TO PROGRAM :'cmd'\"",
        'git rebase -x "$CMD" main',
    ],
)
def test_unreadable_carried_text_is_opaque(text: str) -> None:
    verdict, found = judge(text)
    assert "shell-opaque-eval" in {rule for rule, _ in found}
    assert verdict in (Verdict.HOLD, Verdict.DENY)


def test_psql_output_piped_to_a_shell_is_opaque() -> None:
    """``\\o |sh`` makes the query's output a shell script: nothing to read."""
    verdict, found = judge("psql -c '\\o |sh' -c \"select 'rm -rf /'\"")
    assert verdict is Verdict.HOLD
    assert "code-inline-opaque" in {rule for rule, _ in found}


def test_sqlite_requotes_an_argument_with_spaces_as_one_word() -> None:
    """``.shell "rm -rf /"`` hands system(3) ``"rm -rf /"``: one program name."""
    argvs = [c.argv for c in split("sqlite3 x.db '.shell \"rm -rf /\"'").commands]
    assert ("rm -rf /",) in argvs
    assert ("rm", "-rf", "/") not in argvs


def test_submodule_foreach_joins_its_arguments_into_shell_text() -> None:
    argvs = [c.argv for c in split("git submodule foreach rm -rf / '&&' true").commands]
    assert ("rm", "-rf", "/") in argvs
    assert ("true",) in argvs


def test_pnpm_dlx_judges_the_package_like_npx() -> None:
    dlx, npx = judge("pnpm dlx rimraf /"), judge("npx rimraf /")
    assert dlx[0] is npx[0] is Verdict.ASK
    assert ("rimraf", "/") in [c.argv for c in split("pnpm dlx rimraf /").commands]


@pytest.mark.parametrize(
    ("text", "verdict"),
    [
        ("git rebase -i main", Verdict.ALLOW),
        ("git rebase main", Verdict.ALLOW),
        ("git fetch origin", Verdict.ALLOW),
        ("git clone https://github.com/o/r", Verdict.ALLOW),
        ("git pull --rebase", Verdict.ALLOW),
        ("git push origin main", Verdict.ASK),
        ("git rebase -X theirs -s ort main", Verdict.ALLOW),
        ("git bisect start", Verdict.ALLOW),
        ("git bisect run make test", Verdict.ALLOW),
        ("git config user.name x", Verdict.ALLOW),
        ("git config --get core.pager", Verdict.ALLOW),
        ("git config alias.st status", Verdict.ALLOW),
        ("git submodule update --init", Verdict.ALLOW),
        ("git difftool HEAD~1", Verdict.ALLOW),
        ("npx jest", Verdict.ALLOW),
        ("npx jest -c jest.config.js", Verdict.ALLOW),
        ("npm exec jest", Verdict.ALLOW),
        ("pnpm exec tsc", Verdict.ALLOW),
        ("pnpm install", Verdict.ALLOW),
        ("kubectl debug node/x -it --image=busybox", Verdict.HOLD),
        ("gcloud compute ssh vm", Verdict.ASK),
        ("psql -c 'select 1'", Verdict.ALLOW),
        ("psql -c '\\o out.txt' -c 'select 1'", Verdict.ALLOW),
        ("psql -c '\\copy t TO out.csv'", Verdict.ALLOW),
        ("psql -c '\\copy (SELECT * FROM t) TO out.csv'", Verdict.ALLOW),
        ("psql -c '\\o /etc/passwd' -c 'select 1'", Verdict.ASK),
        ("psql -o ~/.bashrc -c 'select 1'", Verdict.ASK),
        ("psql -o out.txt -c 'select 1'", Verdict.ALLOW),
        ("duckdb -c 'SELECT 1'", Verdict.ALLOW),
        ("sqlite3 x.db '.output out.txt'", Verdict.ALLOW),
        ("sqlite3 x.db .tables", Verdict.ALLOW),
        ("mysql -e 'select 1'", Verdict.ALLOW),
        ("aws s3 ls", Verdict.ALLOW),
    ],
)
def test_ordinary_uses_keep_their_decision(text: str, verdict: Verdict) -> None:
    assert judge(text)[0] is verdict


@pytest.mark.parametrize(
    ("text", "rule"),
    [
        ("git filter-branch --tree-filter 'rm -rf /'", "git-discard-work"),
        ("gcloud compute ssh vm --command 'rm -rf /'", "gcloud-ssh"),
        ("az vm run-command invoke -g rg -n vm --scripts 'rm -rf /'", "az-run-command"),
        ("aws ssm send-command --parameters commands=ls", "aws-run-command"),
        ("psql -c '\\! ls'", "sql-unseen-script"),
    ],
)
def test_the_client_itself_is_still_judged(text: str, rule: str) -> None:
    assert rule in {r for r, _ in judge(text)[1]}
