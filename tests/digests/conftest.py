import pytest

from tests.factories import make_publisher, make_topic


@pytest.fixture
def publisher():
    """A member of the Publisher group (test modules with their own roles override this)."""
    return make_publisher()


@pytest.fixture
def topic():
    """The seed's topic: US vs China, with its two perspectives."""
    return make_topic()
