# The two set-up commands of the README: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test install clean bench bench-service

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python examples/demo.py

test: $(STAMP)
	$(BIN)/python -m pytest

clean:
	rm -rf $(VENV) provgraph-data demo-store demo-evidence platform-scale1.ndjson

# The benchmark suite on the synthetic platform (benchmarks/run.py); SCALE=5 for the big run.
SCALE ?= 1
bench: $(STAMP)
	$(BIN)/python benchmarks/run.py --scale $(SCALE)

# provgraph serve against `oxigraph serve` on the same scale-1 store (benchmarks/service_bench.py).
bench-service: $(STAMP)
	$(BIN)/python -m pip install --quiet -e '.[test,bench]'
	test -f platform-scale1.ndjson || $(BIN)/provgraph generate --scale 1 -o platform-scale1.ndjson
	$(BIN)/python benchmarks/service_bench.py --events platform-scale1.ndjson
