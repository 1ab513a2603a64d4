"""What an e-mail address says about the company behind it."""

# Free mail providers: an address here says nothing about the company the person works for.
PERSONAL_EMAIL_DOMAINS = frozenset(
    {
        "gmail.com", "googlemail.com", "hotmail.com", "hotmail.nl", "outlook.com", "outlook.nl",
        "live.com", "live.nl", "msn.com", "yahoo.com", "yahoo.nl", "icloud.com", "me.com",
        "ziggo.nl", "kpnmail.nl", "kpnplanet.nl", "planet.nl", "home.nl", "xs4all.nl",
        "telfort.nl", "hetnet.nl", "chello.nl", "upcmail.nl", "online.nl", "gmx.de", "web.de",
        "proton.me", "protonmail.com",
    }
)


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].lower()


def is_personal_domain(domain: str) -> bool:
    return domain.lower() in PERSONAL_EMAIL_DOMAINS


def normalise_domain(value: str) -> str:
    """'https://www.Acme.nl/contact' → 'acme.nl'."""
    domain = value.strip().lower()
    for prefix in ("https://", "http://"):
        domain = domain.removeprefix(prefix)
    domain = domain.split("/", 1)[0].removeprefix("www.")
    return domain


def business_domain(email: str) -> str:
    """The company's web domain behind an e-mail address, or '' for free mail providers."""
    domain = email.rpartition("@")[2].strip().lower()
    return "" if not domain or is_personal_domain(domain) else domain
