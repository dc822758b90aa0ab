# `make run` starts the explorer, `make test` runs every test. Both build .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: run hall test test-fast bench bench-quick load screenshot clean

# stamp files: reinstall only when the pinned requirements change
$(VENV)/.app: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@echo "Installing the pinned requirements into $(VENV): PyTorch (CPU), Streamlit, Plotly and the rest,"
	@echo "about 1.7 GB on disk once installed; a few minutes the first time, pip's progress below."
	$(PY) -m pip install --disable-pip-version-check --progress-bar on -r requirements.txt
	touch $@

$(VENV)/.dev: $(VENV)/.app requirements-dev.txt
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

run: $(VENV)/.app
	$(PY) -m streamlit run app/main.py

# a lecture hall: REPLICAS app processes behind Debian's nginx (apt-get install nginx) at HALL_PORT,
# each browser kept on one replica, a crashed replica restarted and its pages moved to another
REPLICAS ?= 3
HALL_PORT ?= 8500
hall: $(VENV)/.app
	$(PY) -m scripts.hall --replicas $(REPLICAS) --port $(HALL_PORT)

# two processes each: the computation tests are CPU-bound; the browser tests mostly wait on the page,
# one module per process (its server and browser stay together)
test: test-fast
	$(PY) -m pytest -m browser -n 2 --dist loadfile

# everything but the browser tests
test-fast: $(VENV)/.dev
	$(PY) -m pytest -m "not browser" -n 2

# speed against straightforward baselines, printed as tables (see docs/PERFORMANCE.md)
bench: $(VENV)/.dev
	$(PY) -m bench.explorer
	$(PY) -m bench.many
	$(PY) -m bench.landscape
	$(PY) -m bench.interaction
	$(PY) -m bench.classroom
	$(PY) -m bench.memory
	$(PY) -m bench.hall

# the same, fewer repeats: CI runs it to prove the benchmarks work, not to judge the times
bench-quick: $(VENV)/.dev
	$(PY) -m bench.explorer --quick
	$(PY) -m bench.many --quick
	$(PY) -m bench.landscape --quick
	$(PY) -m bench.interaction --quick
	$(PY) -m bench.classroom --students 3 --seconds 10
	$(PY) -m bench.memory --quick

# a classroom: ten headless-Chromium sessions against one local server for 60 s (see docs/PERFORMANCE.md)
load: $(VENV)/.dev
	$(PY) -m bench.load

screenshot: $(VENV)/.dev
	$(PY) -m scripts.screenshot docs

clean:
	rm -rf $(VENV) app/static/plotly.min.js .pytest_cache
