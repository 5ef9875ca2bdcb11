# The two commands of the README. Both install what they need (project-local .venv and
# .nextflow-dist; `make test` also installs the Debian tools the tests compare against).
SHELL := /bin/bash
export PATH := $(CURDIR)/.nextflow-dist/bin:$(CURDIR)/.venv/bin:$(PATH)

# pytest-xdist workers of `make test`; each takes whole test modules (docs/development.md)
TEST_WORKERS ?= 2

.PHONY: demo test setup demo-data clean

demo: setup demo-data
	nextflow run . -profile test --outdir results

test:
	scripts/setup.sh --test-tools
	scripts/run_tests.sh --workers $(TEST_WORKERS)

setup:
	scripts/setup.sh

demo-data: setup
	stereosarc-demo --outdir demo_data

clean:
	rm -rf work results .nextflow .nextflow.log* demo_data
