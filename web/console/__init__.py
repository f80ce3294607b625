"""The web console: Reviews, Corpus, Audit, Insights and Try it, served by `twin serve`."""
