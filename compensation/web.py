"""Page helpers every Pay view shares (the statement page and its sub-packages' actions)."""

from __future__ import annotations

from django.http import Http404

from compensation.models import Statement
from compensation.selectors import statement_get


def statement_or_404(access, pk: int) -> Statement:
    """The statement if the viewer may see it; otherwise 404, whether it exists elsewhere or not."""
    statement = statement_get(access=access, pk=pk)
    if statement is None:
        raise Http404("No such statement")
    return statement
