"""Briefing packs to hand out: their content (figures, sentences, charts, tables) for
a ward or a priority, then the PDF or HTML file."""
