"""Demo and load data: a realistic, deterministic support desk in English, Japanese and Russian."""
