"""Plan pages: the org hierarchy, through the one visibility rule (quotas: planning.quotas.views)."""

from __future__ import annotations

from planning.selectors import seller_list
from spm.tenancy.views import TenantTemplateView
from spm.web.paging import paginate


def tree_rows(sellers: list) -> list[dict]:
    """Depth-first order with an indent level. Roots: sellers whose manager is not in the list."""
    by_id = {s.pk: s for s in sellers}
    children: dict[int | None, list] = {}
    for s in sellers:
        parent = s.manager_id if s.manager_id in by_id else None
        children.setdefault(parent, []).append(s)
    rows: list[dict] = []
    seen: set[int] = set()
    stack = [(s, 0) for s in reversed(children.get(None, []))]
    while stack:
        seller, depth = stack.pop()
        if seller.pk in seen:  # a cycle in bad data must not loop forever
            continue
        seen.add(seller.pk)
        rows.append({"seller": seller, "depth": depth, "indent": depth * 22, "reports": len(children.get(seller.pk, []))})
        stack.extend((c, depth + 1) for c in reversed(children.get(seller.pk, [])))
    rows.extend({"seller": s, "depth": 0, "indent": 0, "reports": 0} for s in sellers if s.pk not in seen)
    return rows


class SellerListView(TenantTemplateView):
    """The org hierarchy, indented; reps see themselves, managers their subtree."""

    template_name = "planning/sellers.html"
    max_rows = 2000

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        search = (self.request.GET.get("q") or "").strip()
        qs = seller_list(access=self.access).order_by("name")
        if search:
            qs = qs.filter(name__icontains=search)
        sellers = list(qs[: self.max_rows])
        context.update(paginate(self.request, sellers if search else tree_rows(sellers), per_page=100))
        context["search"] = search
        context["flat"] = bool(search)
        return context
