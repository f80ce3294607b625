"""The sections of config.yaml, one module per feature; `twin.settings` composes them."""
