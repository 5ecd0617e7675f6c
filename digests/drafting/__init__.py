"""Drafters turn an edition's numbered articles into bullets that cite them."""

from .base import Drafter

DRAFTERS = ("extractive", "llm")


def get_drafter(name: str = "extractive") -> Drafter:
    """The drafter called ``name``; the LLM one falls back to the extractive one."""
    from .extractive import ExtractiveDrafter

    if name == "extractive":
        return ExtractiveDrafter()
    if name == "llm":
        from .llm import LLMDrafter

        return LLMDrafter(fallback=ExtractiveDrafter())
    raise ValueError(f"Unknown drafter {name!r}; choose one of {', '.join(DRAFTERS)}.")
