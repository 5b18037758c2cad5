from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KbConfig(AppConfig):
    name = "kb"
    verbose_name = _("knowledge base")

    def ready(self) -> None:
        from django.db.models.signals import post_delete, post_migrate, post_save

        from .indexes import content_changed
        from .models import Article, Category, TranslationRecord
        from .revisions import content_saved, ensure_permissions

        for model in (Article, Category):
            post_save.connect(content_saved, sender=model, dispatch_uid=f"kb.revisions.save.{model.__name__}")
            post_save.connect(content_changed, sender=model, dispatch_uid=f"kb.content_changed.save.{model.__name__}")
            post_delete.connect(content_changed, sender=model, dispatch_uid=f"kb.content_changed.delete.{model.__name__}")
        for model in (TranslationRecord,):
            post_save.connect(content_changed, sender=model, dispatch_uid="kb.content_changed.save.record")
            post_delete.connect(content_changed, sender=model, dispatch_uid="kb.content_changed.delete.record")
        post_migrate.connect(ensure_permissions, sender=self, dispatch_uid="kb.revisions.permissions")
