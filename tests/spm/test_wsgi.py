"""The WSGI entry point loads the views and the money locale data at boot, not on a first request."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_a_server_process_has_its_views_and_locale_data_loaded_before_its_first_request():
    script = ("import sys, spm.wsgi; from babel import localedata; "
              "print('performance.forecasting.views' in sys.modules, 'plotly.graph_objects' in sys.modules, "
              "bool(localedata._cache))")
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "spm.settings.test"}
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True,
                         timeout=120, check=True).stdout
    assert out.split() == ["True", "True", "True"]
