from django import template

from digests.models import Placement

register = template.Library()


@register.simple_tag
def placements_needing_review() -> int:
    return Placement.objects.needs_review().count()


@register.simple_tag(takes_context=True)
def todays_editions(context) -> list[dict]:
    """Each active topic's edition for today, for the admin index (one click to each)."""
    from digests.views import todays_editions as editions

    return editions(context["request"].user)
