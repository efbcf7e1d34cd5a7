"""The session watch: an agent's whole session, not one action at a time (issue 8).

A plan-level check sees one plan; an agent can reach the incident of DESIGN.md in
several small steps, or drift far from what its human asked. The watch keeps a
bounded history per session (``history.py``) of normalised targets
(``targets.py``) and flags delete-then-create sequences (``sequence.py``), intent
mismatches (``intent.py``), attempt rates, denied-target retries and first-time
action classes (``rates.py``), and freezes a session past a threshold
(``breaker.py``). ``gate.observe`` is the one entry point the decision path calls;
``sessions.SessionWatch`` serves the ``session`` verb (list, show, freeze,
unfreeze).
"""

from __future__ import annotations

from interlock.watch.gate import WATCH_RULE_IDS, Watched, observe

__all__ = ["WATCH_RULE_IDS", "Watched", "observe"]
