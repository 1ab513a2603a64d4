import pytest
from django.core.management import call_command


@pytest.mark.django_db
def test_migrations_are_complete():
    """A model change without its migration fails here, not in production."""
    call_command("makemigrations", "--check", "--dry-run", verbosity=0)


@pytest.mark.django_db
def test_roles_exist_as_groups():
    from django.contrib.auth.models import Group

    from common.roles import Role

    assert set(Group.objects.values_list("name", flat=True)) >= set(Role.values)
