import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spm.settings.production")
application = get_wsgi_application()


def _warm() -> None:
    """Load at boot what the first request of each server process would otherwise wait for: the URL
    conf (every view and the libraries behind them: pandas, plotly) and Babel's locale data for
    money (~0.2 s). A worker that starts under traffic then spares its first requests that wait."""
    from django.urls import get_resolver

    from spm.formatting import DEFAULT_LOCALE, money

    get_resolver().url_patterns  # noqa: B018 (imports every view module)
    money(1, locale=DEFAULT_LOCALE)


_warm()
