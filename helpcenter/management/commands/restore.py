from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from helpcenter.backups import BackupError, restore


class Command(BaseCommand):
    help = (
        "Restore a backup archive made by `backup` into an empty database (the site's, or "
        "--database-url) and its media into MEDIA_ROOT."
    )

    def add_arguments(self, parser):
        parser.add_argument("archive", help="The archive written by `backup`.")
        parser.add_argument("--database", default="default", help="Database alias (default: default).")
        parser.add_argument(
            "--database-url", help="Restore into this database instead (sqlite:///path or postgres://…)."
        )

    def handle(self, *args, archive: str, database: str, database_url: str | None, **options):
        try:
            manifest = restore(Path(archive), database_url=database_url, alias=database)
        except BackupError as exc:
            raise CommandError(str(exc)) from None
        self.stdout.write(
            f"Restored the {manifest['vendor']} backup of {manifest['created']} from {archive}."
        )
