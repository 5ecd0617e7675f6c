# Topics, placements and digests arrive with issues 3 and 4.
