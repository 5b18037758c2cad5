import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    """Attachments go to a folder of the test's own, through the default storage."""
    settings.MEDIA_ROOT = str(tmp_path / "media")
    yield


@pytest.fixture(scope="session")
def imap_server():
    """A real dovecot on a high loopback port for the session (tests/mail/imapserver.py). Without
    dovecot the IMAP tests skip, except under CI=true, where .ci/run installs it: there they fail."""
    import os

    from tests.mail import imapserver

    if imapserver.dovecot_binary() is None:
        if os.environ.get("CI") == "true":
            pytest.fail("CI=true but dovecot is not installed (.ci/run installs dovecot-imapd)")
        pytest.skip("dovecot is not installed (apt-get install dovecot-imapd)")
    server = imapserver.start({"support": "support-secret", "billing": "billing-secret"})
    yield server
    server.stop()
