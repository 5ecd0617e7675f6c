"""The offline demo: a loopback server that plays publishers, feeds and Google News."""
