"""Small modules every app may use (site languages, rate limits). `core` imports no app of the
project, so that kb, support and chatbot can all depend on it without depending on each other."""
