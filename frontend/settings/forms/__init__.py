"""Forms of the settings area: real fields with translated labels, validated on the server."""
