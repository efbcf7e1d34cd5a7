"""Fuzzing (issue 9): the shell classifier, the plan readers and the hook's stdin.

Each target is a seeded generator loop (``campaign.py``), fast enough for ``make
fuzz`` to run a million inputs; ``make test`` runs a short, fixed-seed share.
"""
