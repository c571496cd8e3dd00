"""Forms, one module per area (accounts, numbers, buy, imports, configure): they validate and
normalise; views copy cleaned_data explicitly."""
