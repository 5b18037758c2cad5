"""The translation layer of the knowledge base, read top to bottom:

- rules.py: which fields are translated, a translation's state, source diffs (no Django);
- formats.py: the XLIFF 1.2 and PO files exchanged with translators (no Django);
- permissions.py: who may translate or review which language;
- selectors.py: reads (status, statuses, coverage, priorities, the file to export);
- services.py: writes, keyword-only, each recording its author (revisions, translation records,
  approvals, machine translation, imports).

Articles' own fields live on kb.models.Article (django-modeltranslation: title_en, title_fr, ...);
SourceRevision and TranslationRecord say which source text each translation was made from."""
