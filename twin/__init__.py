"""The floor: settings (config.yaml + environment), the database engine and models, plain text.

It imports nothing of ours: every other package stands on it.
"""
