"""Content shipped with the app: vocabulary, the exercise library, templates, word lists."""
