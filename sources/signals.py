"""Signals other apps listen to, so that `sources` never imports them."""

from django.dispatch import Signal

# Sent inside the merge transaction, before the merged outlet is deleted:
# listeners move whatever they keep per outlet (digests move placements).
# Arguments: keep (Source), merged (Source).
source_merged = Signal()

# Sent after a feed fetch stored new articles (outside any transaction).
# Arguments: feed (Feed), article_ids (list[int]).
articles_ingested = Signal()

# Sent after an editor changed outlets in the admin (inside the request's transaction):
# what their public pages show changed and, with ``placing``, something placement reads
# too (an outlet's country or domain, the known-outlet registry, an article's outlet).
# Arguments: source_ids (set[int]), placing (bool).
outlets_edited = Signal()
