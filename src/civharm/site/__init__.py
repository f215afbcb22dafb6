"""The one Django project behind civharm's store, web app and API."""
