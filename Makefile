# Quick start (see README):  make demo   |   make test
# Both create ./.venv on first use (idempotent) and install mmseg_ext into it.
PYTHON ?= python3
TORCH ?= torch==2.13.0
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.mmseg_ext-installed
DEMO_CONFIG ?= configs/demo/gscnn_r18-c32-d16_1xb4-500it_demo-cityscapes-256x512.py
DEMO_WORK_DIR ?= work_dirs/demo

.PHONY: demo test lint install test-stacks gpu-check

install: $(STAMP)

$(STAMP): setup.py requirements/runtime.txt requirements/tests.txt requirements/lint.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade "pip>=23" "setuptools<82" wheel
	$(PY) -m pip install -q "$(TORCH)"
	$(PY) -m pip install -q -e ".[tests]" -r requirements/lint.txt
	touch $(STAMP)

demo: $(STAMP)
	$(PY) tools/train.py $(DEMO_CONFIG) --work-dir $(DEMO_WORK_DIR)

test: $(STAMP)
	$(PY) -m pytest tests -q -ra

# On a CUDA machine: gpu-marked tests, GSCNN vs DeepLabV3+ training in
# fp32/fp16/bf16 (it/s, memory, MFU), sync-debug step, 2-GPU DDP (< 8 min).
gpu-check: $(STAMP)
	PYTHON=$(PY) bash tools/gpu_check/gpu_check.sh

lint: $(STAMP)
	$(PY) -m flake8 mmseg_ext tools tests configs demo setup.py
	$(PY) -m isort --check-only --diff mmseg_ext tools tests demo setup.py
	$(PY) -m yapf --diff --recursive mmseg_ext tools tests demo setup.py

# The supported-stack matrix (docs/compatibility.md): builds each stack's venv
# once under $(STACKS_DIR), installs the package, checks that the install left
# torch/numpy/mmcv untouched, runs the whole suite. Stack a builds full mmcv
# 2.1.0 from source (~40 min on 2 cores, then cached).
STACKS ?= a
STACKS_DIR ?= .stacks
test-stacks:
	for s in $(STACKS); do STACKS_DIR=$(STACKS_DIR) .ci/stack.sh $$s || exit 1; done
