"""Signals other apps listen to, so that `sources` never imports them."""

from django.dispatch import Signal

# Sent inside the merge transaction, before the merged outlet is deleted:
# listeners move whatever they keep per outlet (digests move placements).
# Arguments: keep (Source), merged (Source).
source_merged = Signal()

# Sent after a feed fetch stored new articles (outside any transaction).
# Arguments: feed (Feed), article_ids (list[int]).
articles_ingested = Signal()

# Sent after an editor saved an outlet in the admin (inside the request's transaction):
# its name, domain and flags show on public pages, its country can move its placements.
# Arguments: source (Source), changed (list of the form's changed field names).
source_edited = Signal()
