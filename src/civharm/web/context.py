"""What every page's template knows: the language and its direction, and whether the data
is simulated."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils import translation


def site(request: HttpRequest) -> dict[str, Any]:
    from civharm.services.flags import is_simulated

    language = translation.get_language() or "en"
    try:
        simulated = is_simulated()
    except Exception:  # a page must render even when the database cannot say
        simulated = False
    other = "en" if language == "ar" else "ar"
    return {
        "language": language,
        "direction": "rtl" if translation.get_language_bidi() else "ltr",
        "other_language": other,
        "other_language_name": "English" if other == "en" else "العربية",
        "simulated": simulated,
    }
