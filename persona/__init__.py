"""The answer pipeline: persona card -> prompt, LLM client, quote mode, grounding guard,
sensitivity policy, threads and the audit record.

Front doors (Slack, `twin ask`) call one thing:

    from persona.answer import Answerer, make_llm

    answerer = Answerer(settings, corpus, make_llm(settings.llm))
    answer = answerer.answer(question, user_id, groups, thread_id=None, on_token=callback)
"""
