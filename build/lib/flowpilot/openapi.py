"""Print the OpenAPI schema (the web app's typed client is generated from it)."""

import json

from flowpilot.app import create_app
from flowpilot.config import Settings

if __name__ == "__main__":
    settings = Settings(_env_file=None, FLOWPILOT_SECRET_KEY="x")  # type: ignore[call-arg]
    schema = create_app(settings, run_worker=False).openapi()
    print(json.dumps(schema, indent=1, sort_keys=True))
