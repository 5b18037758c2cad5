"""kb's part of a customer data export or erasure (registered in core.privacy by KbConfig).

Article feedback and search logs are anonymous by design (a keyed hash of the browser session, no
address), so nothing there can be tied to an e-mail address, except where the customer wrote the
address themselves: a feedback comment ("mail me at …") or a search. Those are exported and
erased; the votes and the counts stay."""

from __future__ import annotations

from core.privacy import ERASED_TEXT

from .models import ArticleFeedback, SearchLog


def export(email: str) -> list[dict]:
    records = [
        {
            "type": "article_feedback",
            "article": feedback.article.title,
            "language": feedback.language,
            "helpful": feedback.helpful,
            "comment": feedback.comment,
            "updated_at": feedback.updated_at.isoformat(),
        }
        for feedback in ArticleFeedback.objects.filter(comment__icontains=email).select_related("article")
    ]
    records += [
        {
            "type": "search",
            "query": log.query,
            "language": log.language,
            "created_at": log.created_at.isoformat(),
        }
        for log in SearchLog.objects.filter(query__icontains=email)
    ]
    return records


def erase(email: str) -> int:
    """Feedback comments and searches that contain the address lose their text; votes stay."""
    changed = ArticleFeedback.objects.filter(comment__icontains=email).update(comment=ERASED_TEXT)
    return changed + SearchLog.objects.filter(query__icontains=email).update(query=ERASED_TEXT)
