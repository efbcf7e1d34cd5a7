"""``interlock-hook AGENT`` run by path: ``python -I -S .../interlock/integrations/hook.py AGENT``.

The agent starts a hook process before every tool call, and a script run by path is
compiled from source each time (only imported modules keep their bytecode), so this
file holds nothing but the start: the work is in ``answer.py``. With ``-S`` there is
no site, so the directory holding the ``interlock`` package goes on the path here.
"""

import sys

if __name__ == "__main__" and not __package__:
    sys.path.insert(0, __file__.rsplit("/", 3)[0])  # __main__'s __file__ is absolute

from interlock.integrations.answer import ADAPTERS, MAX_PAYLOAD_BYTES, main

__all__ = ["ADAPTERS", "MAX_PAYLOAD_BYTES", "entry", "main"]


def entry() -> None:
    """The ``interlock-hook`` console script."""
    sys.exit(main())


if __name__ == "__main__":
    entry()
