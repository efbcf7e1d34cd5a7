"""``interlock-hook AGENT`` run by path: ``python -I -S .../interlock/integrations/hook.py AGENT``.

The agent starts a hook process before every tool call, and a script run by path is
compiled from source each time (only imported modules keep their bytecode), so this
file holds nothing but the start: the work is in ``answer.py``. With ``-S`` there is
no site, so the directory holding the ``interlock`` package goes on the path here. A
hook that cannot even import its work exits 2, which every supported agent reads as
"block" (Claude Code would run the tool after any other failure).
"""

import sys

if __name__ == "__main__":
    if not __package__:
        sys.path.insert(0, __file__.rsplit("/", 3)[0])  # __main__'s __file__ is absolute
    try:
        from interlock.integrations.answer import main as _start
    except BaseException as exc:
        sys.stderr.write(f"interlock hook cannot start, so nothing is allowed: {exc!r}\n")
        sys.exit(2)
    sys.exit(_start())

from interlock.integrations.answer import ADAPTERS, MAX_PAYLOAD_BYTES, main

__all__ = ["ADAPTERS", "MAX_PAYLOAD_BYTES", "entry", "main"]


def entry() -> None:
    """The ``interlock-hook`` console script."""
    sys.exit(main())
