"""The development e-mail backend: each message printed as a person reads it.

Django's console backend prints the message as it goes on the wire: UTF-8 text in quoted-printable,
where a long link is cut by "=" line ends and "=3D" stands for "=", so a status link cannot be
clicked or copied. This one prints the headers decoded, then each text part decoded, and names the
attachments."""

from django.core.mail.backends.console import EmailBackend as ConsoleEmailBackend

SHOWN_HEADERS = ("From", "To", "Cc", "Reply-To", "Subject", "Date", "Message-ID", "In-Reply-To")


class ReadableConsoleBackend(ConsoleEmailBackend):
    def write_message(self, message) -> None:
        msg = message.message()
        lines = [f"{name}: {msg[name]}" for name in SHOWN_HEADERS if msg[name] is not None]
        lines += [f"{name}: {value}" for name, value in msg.items() if name.lower().startswith("x-")]
        for part in msg.walk():
            if part.is_multipart():
                continue
            filename = part.get_filename()
            if filename or part.get_content_maintype() != "text":
                lines += ["", f"[attachment: {filename or 'unnamed'} ({part.get_content_type()})]"]
                continue
            text = part.get_payload(decode=True).decode(part.get_content_charset() or "utf-8", "replace")
            lines += ["", f"[{part.get_content_type()}]", text.rstrip("\n")]
        self.stream.write("\n".join(lines) + "\n")
        self.stream.write("-" * 79 + "\n")
