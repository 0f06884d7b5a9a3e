"""The shell every page shares: sign-in, layout, language, the home page that sends each person to their work."""
