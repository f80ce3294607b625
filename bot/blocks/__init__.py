"""Block Kit builders, one module per surface: answers, reviews, modals, admin, home, and the
short notices the twin posts. Plain values in, message and view dicts out (built with
slack_sdk.models, which check Slack's limits); no I/O, no clients."""
