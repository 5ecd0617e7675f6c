from django import template

from digests.models import Placement

register = template.Library()


@register.simple_tag
def placements_needing_review() -> int:
    return Placement.objects.needs_review().count()
