"""How a person is named on pages and in messages."""


def person_name(user) -> str:
    """Full name, else the login name; empty for nobody."""
    if user is None:
        return ""
    return user.get_full_name() or user.get_username()
