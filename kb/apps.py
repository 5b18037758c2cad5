from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("knowledge base")

    def ready(self) -> None:
        """Two hooks, and only these (plus the privacy handler registered at the end).
        Writes record what they did themselves (source revisions and
        translation records: kb/translations/services.py); signals are used only where every save
        or delete, wherever it comes from (the admin's bulk delete included), must be seen:

        - `content_changed` (kb/indexes.py): an article, category, translation record or upload
          (image, image version, attachment) was saved or deleted, so the content version moves on
          and the search engines and the page cache
          are rebuilt from the new content;
        - `permissions_ensure` (kb/translations/permissions.py): after each migrate, the translate
          and review permissions of every site language."""
        from django.db.models.signals import post_delete, post_migrate, post_save

        from .indexes import content_changed
        from .models import Article, ArticleImage, Attachment, Category, ImageVersion, TranslationRecord
        from .translations.permissions import permissions_ensure

        for model in (Article, Category, TranslationRecord, ArticleImage, ImageVersion, Attachment):
            post_save.connect(
                content_changed, sender=model, dispatch_uid=f"kb.content_changed.save.{model.__name__}"
            )
            post_delete.connect(
                content_changed, sender=model, dispatch_uid=f"kb.content_changed.delete.{model.__name__}"
            )
        post_migrate.connect(permissions_ensure, sender=self, dispatch_uid="kb.translations.permissions")

        # Not a hook: the numeric libraries' threads (settings: HELPCENTER_NUMERIC_THREADS), for a
        # process that loaded them before the settings set the environment.
        from django.conf import settings
        from threadpoolctl import threadpool_limits

        threadpool_limits(limits=settings.HELPCENTER_NUMERIC_THREADS)

        # Not a hook: kb's part of customer data exports and erasures (core/privacy.py).
        from core import privacy

        from . import privacy as kb_privacy

        privacy.register("article_feedback", export=kb_privacy.export, erase=kb_privacy.erase)
