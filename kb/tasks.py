"""Background work of the knowledge base, run by the task worker (`manage.py db_worker`, or
`rqworker` with the Redis backend)."""

from django.tasks import task

from core.languages import site_languages

from . import indexes


@task
def engines_build() -> list[str]:
    """Build the engines for the current content in every site language into the artifact directory
    (HELPCENTER_ENGINE_ARTIFACTS), once per machine, so that web workers only load them; the
    languages done. Queued after each edit."""
    return indexes.engines_prepare(site_languages())
