"""Pure builders from figures to what people see: Altair charts, folium maps and layers,
tables, safe downloads, wording, safe text and briefing packs. No Streamlit here."""
