"""The SchedulingKit reference server (see README.md in this folder)."""

import warnings

# Connexion imports Starlette's test client at start-up, which warns about httpx on every
# command; the server does not use the test client, so the warning is noise here.
warnings.filterwarnings("ignore", message="Using `httpx` with `starlette.testclient`")
