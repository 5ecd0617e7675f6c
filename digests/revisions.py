"""What django-reversion keeps of a digest: the digest, its sections and its source list.

Imported by ``digests.workflow`` (and so by the admin, which imports the workflow before its
``VersionAdmin`` classes would register these models with fewer relations followed).
"""

from __future__ import annotations

import reversion

from .models import Digest, DigestArticle, DigestSection

FOLLOW = {
    Digest: ("sections", "entries"),
    DigestSection: ("digest",),
    DigestArticle: (),
}


def register() -> None:
    """Register the digest models once; safe to call again."""
    for model, follow in FOLLOW.items():
        if not reversion.is_registered(model):
            reversion.register(model, follow=follow)


register()
