from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpcenter.backups import BackupError, backup


class Command(BaseCommand):
    help = (
        "Write a backup archive (.tar) of the database and uploaded media: SQLite's online backup, "
        "or pg_dump for PostgreSQL. Safe while the site runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="Path of the archive to write (must not exist yet).")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")

    def handle(self, *args, archive: str, database: str, **options):
        try:
            manifest = backup(Path(archive), alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        media = len(manifest["files"]) - 1
        vendor = manifest["vendor"]
        self.stdout.write(f"Backed up the {vendor} database and {media} media files to {archive}.")
