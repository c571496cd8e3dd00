"""`manage.py resume_jobs`: re-queue bulk jobs whose worker died mid-way.

Run it when a task worker starts (the demo does). Items already finished are skipped, and an
import or release already sent is never sent again (each item carries its own operation key).
"""

from django.core.management.base import BaseCommand

from numbers_admin.actions.imports import resume_unfinished_jobs


class Command(BaseCommand):
    help = "Re-queue bulk import, release and configure jobs left unfinished by a restart."

    def add_arguments(self, parser):
        parser.add_argument(
            "--quiet-seconds",
            type=int,
            default=120,
            help="Only jobs whose worker has not reported for this long (default 120).",
        )

    def handle(self, *args, quiet_seconds, **options):
        resumed = resume_unfinished_jobs(stale_seconds=quiet_seconds)
        if resumed:
            ids = ", ".join(f"#{pk}" for pk in resumed)
            self.stdout.write(f"Re-queued {len(resumed)} unfinished job(s): {ids}.")
        else:
            self.stdout.write("No unfinished jobs to resume.")
