"""The hand-rolled query path of the intent model must compute what scikit-learn computes."""

import numpy as np
import pytest
from sklearn.preprocessing import normalize

from kb.search import intent
from kb.search.intent import IntentModel

EXAMPLES = [
    ("I forgot my password", "password"),
    ("reset my password please", "password"),
    ("can't log in to my account", "password"),
    ("change my credit card", "billing"),
    ("update the card on file", "billing"),
    ("where is my invoice", "billing"),
    ("my server is down", "outage"),
    ("the site is not responding", "outage"),
    ("is there an outage", "outage"),
]
QUERIES = [
    "forgot pasword",
    "new credit card",
    "server down?",
    "",
    "zzz",
    "mot de passe oublié",
    "我的服务器",
]


@pytest.mark.parametrize("query", QUERIES)
def test_fast_probabilities_equal_scikit_learns(query):
    model = IntentModel.train(EXAMPLES, "en")
    assert model.kind == "classifier"
    expected = model._classifier.predict_proba(model._vectorizer.transform([query]))[0]
    assert np.allclose(model.probabilities(query), expected, atol=1e-6)


@pytest.mark.parametrize("query", QUERIES)
def test_fast_probabilities_equal_scikit_learns_with_two_articles(query):
    model = IntentModel.train([e for e in EXAMPLES if e[1] != "outage"], "en")
    expected = model._classifier.predict_proba(model._vectorizer.transform([query]))[0]
    assert np.allclose(model.probabilities(query), expected, atol=1e-6)


@pytest.mark.parametrize("query", QUERIES)
def test_fast_vector_equals_the_vectorizers(query):
    model = IntentModel.train(EXAMPLES, "en")
    expected = model._vectorizer.transform([query]).tocsr()
    indices, values = model.vector(query)
    dense = np.zeros(expected.shape[1])
    dense[indices] = values
    assert np.allclose(dense, expected.toarray()[0], atol=1e-6)


def test_neighbours_mode_ranks_by_the_closest_example(monkeypatch):
    monkeypatch.setattr(intent, "MAX_DENSE_WEIGHTS", 1)
    model = IntentModel.train(EXAMPLES, "en")
    assert model.kind == "neighbours"
    by_feature, targets = model._neighbours
    query_vector = normalize(model._vectorizer.transform(["reset my password"]))
    similarities = (by_feature.T @ query_vector.T).toarray().ravel()
    probabilities = model.probabilities("reset my password")
    assert model.ids[int(np.argmax(probabilities))] == model.ids[targets[int(np.argmax(similarities))]]
    assert probabilities.sum() == pytest.approx(1.0)


def test_neighbours_leave_out_features_most_examples_share(monkeypatch):
    monkeypatch.setattr(intent, "MAX_DENSE_WEIGHTS", 1)
    monkeypatch.setattr(intent, "COMMON_FEATURE_MIN_EXAMPLES", 1)
    monkeypatch.setattr(intent, "COMMON_FEATURE_SHARE", 0.5)
    # "please help" is in every example: it tells none apart, and its postings are dropped.
    examples = [(f"please help {text}", label) for text, label in EXAMPLES]
    model = IntentModel.train(examples, "en")
    by_feature, _targets = model._neighbours
    words = dict(model._vectorizer.transformer_list)["words"].vocabulary_
    offset = len(dict(model._vectorizer.transformer_list)["chars"].vocabulary_)
    rows = np.diff(by_feature.indptr)
    assert rows[offset + words["please"]] == 0 and rows[offset + words["help"]] == 0
    assert rows[offset + words["invoice"]] == 1
    # What is left still finds the closest example, and a query of common features only gets no
    # preference rather than an error.
    for query, expected in (
        ("please help, I forgot my password", "password"),
        ("please help: my invoice?", "billing"),
    ):
        probabilities = model.probabilities(query)
        assert model.ids[int(np.argmax(probabilities))] == expected
    flat = model.probabilities("please help")
    assert np.allclose(flat, 1 / len(model.ids))


def test_small_example_sets_keep_every_feature_for_neighbours(monkeypatch):
    monkeypatch.setattr(intent, "MAX_DENSE_WEIGHTS", 1)
    model = IntentModel.train(EXAMPLES, "en")
    by_feature, _targets = model._neighbours
    full = normalize(model._vectorizer.transform([text for text, _label in EXAMPLES]))
    assert by_feature.nnz == full.nnz


def test_training_on_articles_sharing_no_character_ngram_still_ranks():
    # Two titles with no 2-5-gram in common: pruning n-grams seen once would leave no features.
    model = IntentModel.train([("Old title", "a"), ("Invoices", "b")], "en")
    probabilities = dict(zip(model.ids, model.probabilities("invoices"), strict=True))
    assert probabilities["b"] > probabilities["a"]


@pytest.mark.parametrize("remember", [False, True])
def test_character_ngrams_are_scikit_learns_char_wb(remember):
    from sklearn.feature_extraction.text import CountVectorizer

    reference = CountVectorizer(analyzer="char_wb", ngram_range=(2, 5), preprocessor=intent.normalise)
    expected = reference.build_analyzer()
    ours = intent._CharNgrams(remember=remember)
    texts = [text for text, _label in EXAMPLES] + [
        "a",
        "I  can't\tlog in",
        "重置 密码 怎么办",
        "Ｆｕｌｌ width ÉTÉ",
        "",
        "   ",
        "password password password",
    ]
    for _ in range(2):  # the second time from memory
        assert [ours(text) for text in texts] == [expected(text) for text in texts]


def test_a_trained_model_remembers_no_words_of_its_queries():
    model = IntentModel.train(EXAMPLES, "en")
    model.probabilities("my very private question")
    for analyzer, _vocabulary, _idf, _offset in model._parts:
        assert getattr(analyzer, "_memo", None) is None
