"""The persona adapter: training pairs from the corpus, the base model, LoRA training."""
