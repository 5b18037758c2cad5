# One command to try the site (`make run`) and one to test it (`make test`): both create .venv with
# a Python 3.12+ found by scripts/find-python and install the pinned dependencies first.
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1:8000

.PHONY: run test lint format install install-test install-lint migrate demo messages embeddings clean

$(PY):
	"$$(scripts/find-python)" -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade "pip>=25.1"

$(VENV)/.app: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --group app
	touch $@

$(VENV)/.test: pyproject.toml $(VENV)/.app
	$(PY) -m pip install --quiet --group test
	touch $@

$(VENV)/.lint: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --group lint
	touch $@

install: $(VENV)/.app
install-test: $(VENV)/.test
install-lint: $(VENV)/.lint

migrate: install
	$(PY) manage.py migrate --noinput

# The engines are kept as files in var/engines, as in production: load_demo builds them and the
# server only loads them, so that its first chat answers come at once in every language.
ENGINES := HELPCENTER_ENGINE_ARTIFACTS="$${HELPCENTER_ENGINE_ARTIFACTS-$(CURDIR)/var/engines}"

demo: migrate
	$(ENGINES) $(PY) manage.py load_demo

# The site's own address (links in e-mails and saved replies) follows HOST unless set.
run: demo
	$(ENGINES) HELPCENTER_SITE_URL="$${HELPCENTER_SITE_URL:-http://$(HOST)}" $(PY) manage.py runserver $(HOST)

test: install-test
	$(PY) -m pytest $(PYTEST_ARGS)

# Style and import order (ruff, pinned in pyproject.toml's lint group); `make format` fixes what it can.
lint: install-lint
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

format: install-lint
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Refresh the translation catalogs after changing user-visible strings (needs GNU gettext).
messages: install
	$(PY) manage.py makemessages --all --no-obsolete --ignore=".venv/*" --ignore="staticfiles/*" --ignore="tests/*" --ignore="scripts/*" --ignore="bench/*"
	$(PY) manage.py compilemessages --ignore=".venv/*"

# Rewrite kb/data/embeddings.npz (the shipped texts' vectors) after changing the demo, the off-topic
# sets or the chat's examples; tests/kb/test_shipped_embeddings.py says when it is due.
embeddings: install
	$(PY) scripts/ship_embeddings.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
