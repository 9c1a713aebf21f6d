"""The SIA priority register (data/priorities.toml, validated on load) and what the
police.uk data says for each priority with an indicator."""
