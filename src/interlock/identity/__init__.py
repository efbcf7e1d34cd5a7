"""Identity: the humans and agents behind tokens.

Principals come from interlock.yaml and from token issue (``principals.py``); tokens
are random, shown once, stored only as SHA-256 hashes, expire and can be revoked
(``tokens.py``); ``access.py`` turns a token into an authenticated principal and
``service.TokenService`` issues, revokes and lists tokens with their audit entries.
An agent token can make requests and nothing else (DESIGN.md floor rule 4).
"""

from __future__ import annotations
