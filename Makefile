# Two entry points for a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | md5sum | cut -c1-8)
# pip shows its errors only (-qq): not its progress, its version nag, nor the warnings a wheel
# build or a package index gives, which buried `make demo`'s few lines (the URL, the logins).
PIP := $(BIN)/pip -qq --disable-pip-version-check --no-color

.PHONY: demo test lint locales-extract locales-update locales-merge-drafts locales-compile migrations chromium freeradius promtool bench

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || { echo "ispbot: installing into $(VENV) (a few minutes the first time)"; $(PYTHON) -m venv $(VENV); }
	@$(PIP) install --upgrade pip
	@$(PIP) install -e '.[dev]'
	@rm -f $(VENV)/.installed-* && touch $@

# The demo ISP's identity on the receipts of what is bought in the demo, unless the environment
# names one (the same values the demo's history was seeded with: core/demo/scene.py).
DEMO_SELLER := ISPBOT_ISP_LEGAL_NAME="$${ISPBOT_ISP_LEGAL_NAME:-ispbot Demo Internet Ltd.}" \
	ISPBOT_ISP_ADDRESS="$${ISPBOT_ISP_ADDRESS:-No. 12, Daneshgah St., Enghelab Ave., Tehran}" \
	ISPBOT_ISP_TAX_NUMBER="$${ISPBOT_ISP_TAX_NUMBER:-411-1234-5678}"
# The demo's static IPs: documentation addresses (RFC 5737), unless ISPBOT_STATIC_IP_POOL is set
# (set empty, none are sold).
DEMO_STATIC_IPS := ISPBOT_STATIC_IP_POOL="$${ISPBOT_STATIC_IP_POOL-198.51.100.10-198.51.100.250}"

# A few lines a person reads: what the database got, the demo's logins, the chat's address.
demo: $(STAMP)
	@$(BIN)/pybabel --quiet compile -d locales -D messages
	@$(BIN)/ispbot migrate
	@$(BIN)/ispbot demo
	@$(DEMO_SELLER) $(DEMO_STATIC_IPS) $(BIN)/ispbot serve

# Browser tests need Debian's Chromium; install it when it is missing.
chromium:
	@command -v chromium >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium; }

# The RADIUS tests load FreeRADIUS's own PostgreSQL schema and run a real FreeRADIUS server.
freeradius:
	@test -f /etc/freeradius/3.0/mods-config/sql/main/postgresql/schema.sql && command -v radclient >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq freeradius freeradius-postgresql freeradius-utils; }

# The alerting rules in ops/prometheus are checked by promtool, from Debian's Prometheus (the
# server itself is not started: only its tool is used).
promtool:
	@command -v promtool >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends prometheus; }

# The browser walks mostly wait on Chromium, so they run beside the rest (a process of their own,
# a database of their own; they use no Redis): the suite takes the time of the longer part, not
# of both. Either failing fails the target.
test: $(STAMP) chromium freeradius promtool locales-compile
	$(BIN)/lint-imports --no-cache
	$(BIN)/ruff check core bot tests
	$(BIN)/ruff format --check core bot tests
	$(BIN)/mypy
	@$(BIN)/pytest -q tests/e2e > .e2e.log 2>&1 & walks=$$!; \
	$(BIN)/pytest --ignore=tests/e2e; rest=$$?; \
	wait $$walks; browser=$$?; \
	echo "--- the browser walks (tests/e2e), run beside the rest:"; cat .e2e.log; rm -f .e2e.log; \
	test $$rest -eq 0 -a $$browser -eq 0

lint: $(STAMP)
	$(BIN)/ruff check core bot tests
	$(BIN)/ruff format --check core bot tests
	$(BIN)/mypy

locales-extract: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _ -k N_ -k gettext -k ngettext:1,2 -k pgettext:1c,2 -k npgettext:1c,2,3 -o locales/messages.pot --no-location --omit-header --sort-output core bot

locales-update: locales-extract
	$(BIN)/pybabel update -i locales/messages.pot -d locales -D messages --no-fuzzy-matching --ignore-obsolete --no-wrap

# Fill the untranslated entries of locales/<lang> from the drafts (locales/drafts/*.<lang>.po,
# one per area); English entries without a translation repeat their msgid. A draft never
# overwrites a translation already in the catalog (conflicts and drafted texts no longer in the
# code are listed). Run after locales-update; tests/test_catalogs.py says what is still missing.
define LOCALES_MERGE_DRAFTS
from pathlib import Path
from babel.messages.pofile import read_po, write_po
def translated(string):
    return bool(string) if isinstance(string, str) else all(string)
for lang in ("fa", "id", "en"):
    path = Path("locales", lang, "LC_MESSAGES", "messages.po")
    with path.open("rb") as source:
        catalog = read_po(source, locale=lang, domain="messages")
    plurals, filled = catalog.num_plurals, 0
    for draft_path in sorted(Path("locales", "drafts").glob(f"*.{lang}.po")):
        with draft_path.open("rb") as source:
            drafts = read_po(source, locale=lang)
        for draft in drafts:
            if not draft.id or draft.fuzzy or not translated(draft.string):
                continue
            entry = catalog.get(draft.id, context=draft.context)
            if entry is None:
                print(f"{draft_path}: not in the code: {draft.id!r}")
                continue
            string = draft.string
            if entry.pluralizable:  # as many forms as the language has; a single form is "other"
                forms = [string] if isinstance(string, str) else list(string)
                string = tuple((forms + forms[-1:] * plurals)[:plurals] if len(forms) < plurals else forms[-plurals:])
            if translated(entry.string) and not entry.fuzzy:
                if entry.string != string:
                    print(f"{draft_path}: kept the catalog's translation of {draft.id!r}")
                continue
            entry.string, entry.flags = string, entry.flags - {"fuzzy"}
            filled += 1
    if lang == "en":
        for entry in catalog:
            if entry.id and not translated(entry.string):
                entry.string = entry.id if isinstance(entry.id, str) else tuple(entry.id)
                entry.flags.discard("fuzzy")
                filled += 1
    empty = sum(1 for entry in catalog if entry.id and not translated(entry.string))
    with path.open("wb") as out:
        write_po(out, catalog, width=None)
    print(f"{path}: {filled} filled, {empty} still untranslated")
endef
export LOCALES_MERGE_DRAFTS

locales-merge-drafts: $(STAMP)
	$(BIN)/python -c "$$LOCALES_MERGE_DRAFTS"

locales-compile: $(STAMP)
	@if ls locales/*/LC_MESSAGES/messages.po >/dev/null 2>&1; then $(BIN)/pybabel compile -d locales -D messages --statistics 2>&1 | tail -n 3; fi

# Benchmarks print figures and never fail a build (one that breaks does not stop the others);
# bench/RESULTS.md keeps the last figures. About 40 minutes on 2 cores (the soak is 20).
bench: $(STAMP)
	$(PIP) install -e '.[dev,bench]'
	-$(BIN)/python bench/inbound.py --duration 12 --overload-duration 20
	-$(BIN)/python bench/turn_queries.py
	-$(BIN)/python bench/orm_cost.py
	-$(BIN)/python bench/memory.py --chats 1000,10000
	-$(BIN)/python bench/payments.py --orders 2000
	-$(BIN)/python bench/alerts.py --subscribers 1000000 --dispatch 30:1800,1000:10000
	-$(BIN)/python bench/soak.py --minutes 20

# Regenerate migrations after a model change (then commit core/migrations).
migrations: $(STAMP)
	$(BIN)/ispbot makemigrations
