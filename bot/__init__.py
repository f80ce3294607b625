"""The Slack front door: a bolt app that translates Slack in and out of the answer pipeline.

`twin serve` builds it (bot.server.build_bot) and runs it over Socket Mode or HTTP.
"""
