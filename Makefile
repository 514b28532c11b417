# girrepo: the README's two commands are `make demo` and `make test`.
.PHONY: setup demo test stop lint bench

PY := .venv/bin/python

setup:
	@scripts/setup.sh

demo: setup
	@$(PY) manage.py demo_banner
	@$(PY) manage.py runserver 127.0.0.1:8000

test:
	@scripts/setup.sh --test
	@$(PY) -m ruff check .
	@$(PY) -m ruff format --check .
	@$(PY) -m pytest

stop:
	@scripts/localpg.sh stop

lint:
	@$(PY) -m ruff check . && $(PY) -m ruff format --check .

bench: setup
	@$(PY) manage.py generate_synthetic --scale 100 --keep
	@$(PY) bench/run_all.py
