import pytest
from django.contrib.auth import get_user_model

from support.models import AgentProfile
from support.selectors import agent_public_name


@pytest.mark.django_db
def test_agent_public_name_prefers_display_name_over_login():
    user = get_user_model().objects.create_user("agent-emea", first_name="Cam")
    AgentProfile.objects.create(user=user, display_name="Camille")
    assert agent_public_name(user) == "Camille"


@pytest.mark.django_db
def test_agent_public_name_without_profile_uses_first_name_never_login():
    with_first = get_user_model().objects.create_user("agent-x", first_name="Jo")
    bare = get_user_model().objects.create_user("agent-y")
    assert (agent_public_name(with_first), agent_public_name(bare), agent_public_name(None)) == ("Jo", "", "")
