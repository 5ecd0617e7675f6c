"""Progress bars for long-running commands (on stderr, so summaries stay clean)."""

import sys

from tqdm import tqdm


def progress(iterable, *, total: int, desc: str, unit: str):
    return tqdm(
        iterable,
        total=total,
        desc=desc,
        unit=unit,
        file=sys.stderr,
        dynamic_ncols=True,
        disable=total == 0,
    )
