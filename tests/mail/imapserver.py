"""A real IMAP server for the tests and the benchmark: Debian's dovecot with a throwaway
configuration (its own folder, a high loopback port, users from a passwd-file, plain text logins
since it listens on 127.0.0.1 only). Nothing of the machine's own dovecot set-up is used."""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

CONFIG = """\
base_dir = {root}/run
state_dir = {root}/state
log_path = {root}/dovecot.log
info_log_path = {root}/dovecot.log
protocols = imap
listen = 127.0.0.1
ssl = no
disable_plaintext_auth = no
auth_mechanisms = plain login
mail_location = maildir:{root}/mail/%u
first_valid_uid = 1
last_valid_uid = 0
passdb {{
  driver = passwd-file
  args = scheme=PLAIN username_format=%u {root}/passwd
}}
userdb {{
  driver = static
  args = uid={uid} gid={gid} home={root}/home/%u
}}
service imap-login {{
  inet_listener imap {{
    address = 127.0.0.1
    port = {port}
  }}
  inet_listener imaps {{
    port = 0
  }}
}}
service stats {{
  unix_listener stats-reader {{
    mode = 0666
  }}
  unix_listener stats-writer {{
    mode = 0666
  }}
}}
"""


@dataclass
class ImapServer:
    host: str
    port: int
    root: Path
    process: subprocess.Popen
    users: dict[str, str]

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.root, ignore_errors=True)


def dovecot_binary() -> str | None:
    return shutil.which("dovecot") or (os.path.exists("/usr/sbin/dovecot") and "/usr/sbin/dovecot") or None


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start(users: dict[str, str]) -> ImapServer:
    """Start dovecot in the foreground with `users` ({name: password}); waits until it answers."""
    binary = dovecot_binary()
    if binary is None:
        raise FileNotFoundError("dovecot is not installed (apt-get install dovecot-imapd)")
    root = Path(tempfile.mkdtemp(prefix="helpcenter-imap-"))
    for folder in ("run", "state", "mail", "home"):
        (root / folder).mkdir()
    (root / "passwd").write_text(
        "".join(f"{name}:{{PLAIN}}{password}::::::\n" for name, password in users.items())
    )
    # dovecot's auth process runs as its own user: it must be able to read the passwd-file.
    root.chmod(0o755)
    (root / "passwd").chmod(0o644)
    port = _free_port()
    uid, gid = os.getuid(), os.getgid()
    if uid == 0:
        # dovecot will not keep mail as root: the mail belongs to its own unprivileged user.
        owner = pwd.getpwnam("dovecot")
        uid, gid = owner.pw_uid, owner.pw_gid
        for folder in ("mail", "home"):
            os.chown(root / folder, uid, gid)
    config = CONFIG.format(root=root, port=port, uid=uid, gid=gid)
    if os.getuid() != 0:
        # Not root (a developer's machine): every dovecot process runs as this user.
        user = pwd.getpwuid(os.getuid()).pw_name
        config += f"default_internal_user = {user}\ndefault_login_user = {user}\n"
    (root / "dovecot.conf").write_text(config)
    process = subprocess.Popen(
        [binary, "-F", "-c", str(root / "dovecot.conf")], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"dovecot stopped: {process.stderr.read().decode(errors='replace')}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as sock:
                if sock.recv(100).startswith(b"* OK"):
                    return ImapServer("127.0.0.1", port, root, process, dict(users))
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("dovecot did not answer within 20 s")
