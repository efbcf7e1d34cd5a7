"""Which family module handles which program, so a check imports only the one it needs.

``handler_for`` in ``classify/commands/__init__.py`` looks a program up here first and
imports just that family; a program not listed here (or no longer in the family
listed) falls back to importing every family, so this table only ever saves time and
never changes a result. ``tests/classify/commands/test_index.py`` checks that it
matches what the families claim; regenerate it with
``python -m interlock.classify.commands.index`` after adding a program.
"""

from __future__ import annotations

import sys

#: Program base names by family module, as whitespace-separated words.
_TABLE: dict[str, str] = {
    "terraform": """
        terraform terragrunt tofu
    """,
    "iac": """
        cdk pulumi
    """,
    "kubectl": """
        kubectl oc
    """,
    "helm": """
        helm
    """,
    "aws": """
        aws awslocal
    """,
    "gcloud": """
        bq gcloud gsutil
    """,
    "azure": """
        az
    """,
    "readonly": """
        [ [[ ack acpi actionlint ag alias apropos arch atop b2sum b3sum bandit base32
        base64 basename basenc bat batcat bc btop bzcat bzless cal cat cd checkov cksum
        clear cloc cmp codespell colordiff column comm command cspell csvcut csvlook
        csvstat cut date delta df diff diff3 difft dig dir dirname dirs dmesg du echo
        egrep env ethtool expand expr factor false fastfetch fd fdfind ffprobe fgrep
        file finger flake8 fmt fold fping free fx fzf gdate getconf getent gitleaks glow
        gojq grep gron groups hadolint hash hd head help hexdump highlight history host
        hostname htop httping icdiff iconv id identify info ioreg iostat iwconfig jaq
        jless jobs join journalctl jq jsonlint kube-linter kubeconform kubeval la last
        lastlog ldd less ll locale logname look ls lsappinfo lsb_release lsblk lscpu
        lshw lsmod lsof lspci lsusb lz4cat man markdownlint md5 md5sum mdcat mdfind mdls
        mediainfo mii-tool more most mpstat mtr mypy ncal neofetch netstat nl nm nproc
        nslookup numfmt nvidia-smi objdump od otool paste pbpaste pdfinfo pgrep pidof
        ping ping6 popd printenv printf ps pstree pushd pwd pycodestyle pydocstyle
        pyflakes pygmentize pylint pyright qsv readelf readlink realpath reset rev rg
        safety sar scc screenfetch semgrep sensors seq sha1sum sha224sum sha256sum
        sha384sum sha512sum shasum shellcheck shuf size sk sleep sort ss stat strings
        stty sum sw_vers system_profiler tabview tac tail test tflint tfsec tldr tokei
        top tput tr tracepath traceroute tree true trufflehog tty type uname unexpand
        uniq upower uptime users vale vdir vm_stat vmstat w wc wdiff whatis whereis
        which who whoami whois xsv xxd xzcat xzless yamllint yes yq zcat zgrep zless
        zmore zstdcat
    """,
    "files": """
        blkdiscard cfdisk chattr chflags chgrp chmod chown cp dd fdisk find gdisk gfind
        gsed install ln mkdir mke2fs mkfifo mkfs mkfs.btrfs mkfs.exfat mkfs.ext2
        mkfs.ext3 mkfs.ext4 mkfs.fat mkfs.ntfs mkfs.vfat mkfs.xfs mkswap mv newfs
        newfs_apfs parted rm rmdir rsync scp sed sfdisk sgdisk shred srm tee touch
        truncate unlink wipe wipefs
    """,
    "system": """
        adduser chage chpasswd chsh crontab deluser dseditgroup firewall-cmd gpasswd
        groupadd groupdel groupmod halt init ip6tables ip6tables-restore ip6tables-save
        iptables iptables-restore iptables-save kill killall nft passwd pfctl
        pg_archivecleanup pg_controldata pg_createcluster pg_ctl pg_ctlcluster
        pg_dropcluster pg_lsclusters pg_renamecluster pg_resetwal pg_resetxlog pg_rewind
        pg_upgradecluster pkill poweroff reboot service shutdown skill sysadminctl
        systemctl telinit ufw useradd userdel usermod visudo
    """,
    "git": """
        git
    """,
    "github": """
        gh
    """,
    "sql": """
        duckdb litecli mariadb mycli mysql pgcli psql sqlite sqlite3
    """,
    "nosql": """
        keydb-cli mongo mongosh redis-cli valkey-cli
    """,
    "packages": """
        apk apt apt-cache apt-get aptitude brew bundle bundler cargo composer dnf
        flatpak gem go gradle gradlew hatch microdnf mvn npm pdm pip pip3 pipx pnpm
        poetry port snap twine uv yarn yum zypper
    """,
    "http": """
        curl curlie http https wget wget2 xh xhs
    """,
    "interpreters": """
        R Rscript awk bash bun busybox-awk csh dash deno expect fish gawk groovy
        groovysh jrunscript jshell julia kotlin kotlinc kotlinc-jvm ksh lua luajit mawk
        nawk node nodejs osascript perl php powershell pwsh pypy pypy3 python python2
        python3 python3.11 python3.12 python3.13 ruby scala scala-cli sh tclsh tcsh wish
        zsh
    """,
    "containers": """
        docker docker-compose nerdctl podman podman-compose
    """,
    "services": """
        ansible-vault atlas auth0 borg boundary bw chamber circleci clickhouse consul
        doctl doppler etcdctl firebase fly flyctl gitlab-runner glab gopass heroku
        infisical influx java jenkins-cli jf kafka-acls kafka-configs
        kafka-consumer-groups kafka-delete-records kafka-reassign-partitions
        kafka-topics kcat mc mongocli nats neonctl netlify nomad okta op packer pass
        pscale pulsar-admin rabbitmq-diagnostics rabbitmq-plugins rabbitmqadmin
        rabbitmqctl railway rclone redpanda render restic rpk s3cmd sentry-cli stripe
        supabase tctl tea temporal tsh turso vagrant vault velero vercel waypoint
        wrangler
    """,
    "interlock_self": """
        code codium cursor ed emacs emacsclient ex gedit helix hx idea interlock joe kak
        kate mate mcedit micro nano ne nvim open pico subl vi view vim zed
    """,
    "archives": """
        7z 7za 7zr 7zz bsdtar bunzip2 bzip2 compress gtar gunzip gzip lz4 lzma pigz tar
        uncompress unlzma unxz unzip unzstd xz zip zstd
    """,
    "sqlclients": """
        beeline clickhouse-client cockroach cqlsh hive presto snowsql spark-sql sqlcmd
        trino usql
    """,
    "dbadmin": """
        createdb createuser dropdb dropuser mariadb-dump mongodump mongorestore
        mysqladmin mysqldump pg_dump pg_dumpall pg_isready pg_restore
    """,
    "hostconfig": """
        arp bless cryptsetup csrutil defaults diskutil dscl e2fsck fsck grub-install
        hdiutil hostnamectl ifconfig insmod ip kextload kextunload launchctl localectl
        losetup lvremove mdadm mdutil modprobe mount networksetup nmcli nvram pkgutil
        pmset profiles pvremove resize2fs rmmod route scutil security spctl swapoff
        swapon sysctl timedatectl tmutil tune2fs umount update-grub update-initramfs
        vgremove zfs zpool
    """,
    "ansible": """
        ansible ansible-config ansible-console ansible-doc ansible-galaxy
        ansible-inventory ansible-navigator ansible-playbook ansible-pull ansible-runner
    """,
    "salt": """
        salt salt-call salt-key salt-run salt-ssh
    """,
    "parallelshell": """
        clush mussh parallel-nuke parallel-rsync parallel-scp parallel-slurp
        parallel-ssh pdcp pdsh pnuke prsync pscp pscp.pssh pslurp pssh rpdcp
    """,
    "gitops": """
        argocd flux
    """,
}

#: Program base name -> family module name (under ``interlock.classify.commands``).
FAMILY_OF: dict[str, str] = {
    program: family for family, words in _TABLE.items() for program in words.split()
}


def render() -> str:
    """The ``_TABLE`` literal for the current families, for pasting back here."""
    import textwrap

    from interlock.classify.commands import FAMILIES, _registry

    by_family: dict[str, list[str]] = {name: [] for name in FAMILIES}
    for program, handler in _registry()[0].items():
        by_family[handler.__module__.rsplit(".", 1)[1]].append(program)
    out = ["_TABLE: dict[str, str] = {"]
    for family, programs in by_family.items():
        if programs:
            words = " ".join(sorted(programs))
            lines = textwrap.wrap(words, 80, break_on_hyphens=False, break_long_words=False)
            out.append(f'    "{family}": """')
            out.extend(f"        {line}" for line in lines)
            out.append('    """,')
    out.append("}")
    return "\n".join(out)


if __name__ == "__main__":
    sys.stdout.write(render() + "\n")
