"""Territory pages: plans, plan detail (figures, gaps, overlaps, map, proposals), rule editor,
comparison and the accounts import. Views parse → call a service or selector → render.

Reading needs "planning.view" (managers see their subtree's territories, tenant-wide roles all);
every change needs "territories.edit" (RevOps, admin).
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.urls import reverse

from planning.models import Account, Seller, Territory, TerritoryMove
from planning.selectors import seller_list, visible_seller_ids
from planning.territories import charts, relief, selectors, services
from planning.territories.forms import AccountImportForm, OverrideForm, PlanCreateForm, PublishForm, TerritoryForm
from planning.territories.importer import accounts_import
from spm.errors import DomainError
from spm.tenancy.views import TenantTemplateView, TenantView
from spm.web.forms import add_service_error

VIEW, EDIT = "planning.view", "territories.edit"
RELIEF = "quotas.edit"


def _plan_url(access, plan_pk: int, anchor: str = "") -> str:
    return reverse("planning:territory_plan", kwargs={"tenant": access.tenant.slug, "territoryplan_pk": plan_pk}) + anchor


class _PlanMixin:
    def get_plan(self):
        plan = selectors.plan_get(self.kwargs["territoryplan_pk"])
        if plan is None:
            raise Http404("No such territory plan")
        return plan


class TerritoryPlanListView(TenantTemplateView):
    template_name = "planning/territories/plans.html"
    capability = VIEW

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = list(selectors.plan_list())
        # Item 4: quotas move (a new capacity scenario, a quota change); the published plan is
        # re-checked against today's quotas on every visit, so what is now out of line shows here.
        published = next((p for p in plans if p.status == p.Status.PUBLISHED), None)
        out_of_line = []
        if published is not None:
            ids = visible_seller_ids(self.access)
            out_of_line = [name for name, owner in selectors.short_territories(published) if ids is None or owner in ids]
        context.update(plans=plans, can_edit=self.access.can(EDIT), published=published, out_of_line=out_of_line,
                       form=form or PlanCreateForm(plans=plans))
        return context

    def post(self, request, *args, **kwargs):
        if not self.access.can(EDIT):
            raise PermissionDenied("Your role cannot create territory plans.")
        plans = list(selectors.plan_list())
        form = PlanCreateForm(request.POST, plans=plans)
        if form.is_valid():
            copy_of = next((p for p in plans if p.pk == form.cleaned_data["copy_of"]), None)
            try:
                plan = services.territory_plan_create(name=form.cleaned_data["name"], copy_of=copy_of,
                                                      description=form.cleaned_data["description"], actor=request.user)
            except DomainError as exc:
                add_service_error(form, exc.message)
            else:
                messages.success(request, f"Plan {plan.name} created.")
                return redirect(_plan_url(self.access, plan.pk))
        return self.render_to_response(self.get_context_data(form=form))


def _num(value) -> float | None:
    return None if value is None or value != value else float(value)  # NaN != NaN


def describe_rules(rules: dict) -> str:
    """A territory's rules in words, for tables: "regions EMEA · size Enterprise · 3 named accounts"."""
    parts = []
    for key, label in (("regions", "regions"), ("countries", "countries"), ("industries", "industries"),
                       ("segments", "size")):
        if rules.get(key):
            parts.append(f"{label} {', '.join(rules[key])}")
    for key, label in (("employees", "employees"), ("annual_revenue", "revenue")):
        spec = rules.get(key) or {}
        if spec:
            lo, hi = spec.get("min"), spec.get("max")
            parts.append(f"{label} {lo if lo is not None else '…'}–{hi if hi is not None else '…'}")
    if rules.get("accounts"):
        n = len(rules["accounts"])
        parts.append(f"{n} named account{'s' if n != 1 else ''}")
    return " · ".join(parts) or "no criteria (named overrides only)"


def _money_rows(result, territories) -> list[dict]:
    balance = result.balance.set_index("territory")
    rows = []
    for t in territories:
        b = balance.loc[t.pk]
        rows.append({"territory": t, "rules": describe_rules(t.rules or {}), "accounts": int(b["accounts"]), "potential": float(b["potential"]),
                     "quota": _num(b["quota"]), "coverage": _num(b["coverage"]), "short": bool(b["short"])})
    return rows


class TerritoryPlanDetailView(_PlanMixin, TenantTemplateView):
    template_name = "planning/territories/plan_detail.html"
    capability = VIEW

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.get_plan()
        territories = list(selectors.visible_territories(self.access, plan))
        result = selectors.plan_evaluation(plan)
        restricted = visible_seller_ids(self.access) is not None
        visible = {t.pk for t in territories} if restricted else None
        map_html, shown, total = charts.account_map(result, visible_ids=visible)
        can_edit = self.access.can(EDIT) and plan.is_draft
        moves = list(selectors.plan_moves(plan)) if not restricted else []
        context.update(
            plan=plan, rows=_money_rows(result, territories), result=result, summary=result.summary(),
            restricted=restricted, map_html=map_html, map_shown=shown, map_total=total, can_edit=can_edit,
            moves=moves, proposed=sum(1 for m in moves if m.status == TerritoryMove.Status.PROPOSED),
            publish_form=kwargs.get("publish_form") or PublishForm(initial={"effective_from": plan.effective_from}),
            override_form=kwargs.get("override_form") or OverrideForm(territories=territories),
            overrides=list(plan.overrides.select_related("account", "territory")) if not restricted else [],
            currency=self.access.tenant.base_currency,
        )
        can_relieve = not restricted and self.access.can(RELIEF)
        context.update(can_relieve=can_relieve, relief_month=relief.relief_date(plan).strftime("%Y-%m"),
                       relief=relief.plan_relief(plan, result=result) if can_relieve else [])
        return context


class TerritoryReliefApplyView(_PlanMixin, TenantView):
    """Apply one quota relief row of the plan's panel (RevOps/admin: "quotas.edit")."""

    capability = RELIEF
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        plan = self.get_plan()
        try:
            source = int(request.POST.get("from_seller") or 0)
            target = int(request.POST.get("to_seller") or 0) or None
        except ValueError:
            messages.error(request, "from_seller: not a seller id")
            return redirect(_plan_url(self.access, plan.pk, "#relief"))
        try:
            done = relief.plan_relief_apply(plan=plan, from_seller_id=source, to_seller_id=target, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            row = done["row"]
            messages.success(request, f"Quota relief applied: {done['amount']:,} of {row['from_name']}'s quota from "
                                      f"{row['month']} moved to {row['to_name']}.")
        return redirect(_plan_url(self.access, plan.pk, "#relief"))


class _PlanAction(_PlanMixin, TenantView):
    capability = EDIT
    http_method_names = ["post"]
    anchor = ""

    def post(self, request, *args, **kwargs):
        plan = self.get_plan()
        try:
            text = self.act(plan)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, text)
        return redirect(_plan_url(self.access, plan.pk, self.anchor))


class TerritoryPlanEvaluateView(_PlanAction):
    def act(self, plan):
        result = services.territory_plan_evaluate(plan=plan, actor=self.request.user)
        s = result.summary()
        return (f"Evaluated: {s['assigned']:,} of {s['accounts']:,} accounts assigned, {s['gaps']:,} gaps, "
                f"{s['overlaps']:,} overlaps.")


class TerritoryPlanBalanceView(_PlanAction):
    anchor = "#proposals"

    def act(self, plan):
        moves = services.territory_plan_balance(plan=plan, actor=self.request.user)
        if not moves:
            return "The balancer found no move that lowers the spread of potential per seller."
        return f"{len(moves)} move(s) proposed: CV {moves[0].cv_before:.3f} → {moves[-1].cv_after:.3f} if all are accepted."


class TerritoryPlanArchiveView(_PlanAction):
    def act(self, plan):
        services.territory_plan_archive(plan=plan, actor=self.request.user)
        return f"Plan {plan.name} archived."


class TerritoryPlanPublishView(_PlanMixin, TenantView):
    capability = EDIT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        plan = self.get_plan()
        form = PublishForm(request.POST)
        if form.is_valid():
            try:
                services.territory_plan_publish(plan=plan, effective_from=form.cleaned_data["effective_from"],
                                                override_reason=form.cleaned_data["override_reason"], actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Plan {plan.name} published from {form.cleaned_data['effective_from']}: "
                                          "account ownership follows it from that date.")
        else:
            messages.error(request, "Publishing needs a valid effective date.")
        return redirect(_plan_url(self.access, plan.pk, "#publish"))


class TerritoryOverrideView(_PlanMixin, TenantView):
    capability = EDIT
    http_method_names = ["post"]

    def post(self, request, *args, **kwargs):
        plan = self.get_plan()
        territories = list(Territory.objects.filter(plan=plan))
        form = OverrideForm(request.POST, territories=territories)
        if form.is_valid():
            account = Account.objects.filter(external_id=form.cleaned_data["account"]).first()
            territory = next(t for t in territories if t.pk == form.cleaned_data["territory"])
            if account is None:
                messages.error(request, f"account: no account with external id {form.cleaned_data['account']!r}")
            else:
                try:
                    services.territory_override_set(plan=plan, account=account, territory=territory,
                                                    reason=form.cleaned_data["reason"], actor=request.user)
                except DomainError as exc:
                    messages.error(request, exc.message)
                else:
                    messages.success(request, f"{account.name} pinned to {territory.name}.")
        else:
            messages.error(request, "An override needs an account external id and a territory.")
        return redirect(_plan_url(self.access, plan.pk, "#overrides"))


class TerritoryMoveDecideView(_PlanMixin, TenantView):
    capability = EDIT
    http_method_names = ["post"]
    accept = True

    def post(self, request, *args, **kwargs):
        plan = self.get_plan()
        move = TerritoryMove.objects.filter(plan=plan, pk=kwargs["territorymove_pk"]).first()
        if move is None:
            raise Http404("No such move")
        try:
            services.territory_move_decide(move=move, accept=self.accept, actor=request.user)
        except DomainError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, f"Move {move.position} {'accepted' if self.accept else 'rejected'}.")
        return redirect(_plan_url(self.access, plan.pk, "#proposals"))


class TerritoryMoveRejectView(TerritoryMoveDecideView):
    accept = False


class TerritoryEditView(_PlanMixin, TenantTemplateView):
    """The rule editor (new territory, or one of the plan's)."""

    template_name = "planning/territories/territory_form.html"
    capability = EDIT

    def get_territory(self, plan):
        pk = self.kwargs.get("territory_pk")
        if pk is None:
            return None
        territory = Territory.objects.filter(plan=plan, pk=pk).select_related("owner").first()
        if territory is None:
            raise Http404("No such territory")
        return territory

    def _sellers(self):
        return list(seller_list(access=self.access).filter(end_date__isnull=True).select_related(None).only("id", "name"))

    def get_context_data(self, form=None, **kwargs):
        context = super().get_context_data(**kwargs)
        plan = self.get_plan()
        territory = self.get_territory(plan)
        if form is None:
            initial = TerritoryForm.initial_for(territory) if territory else {"precedence": 100}
            form = TerritoryForm(initial=initial, sellers=self._sellers())
        context.update(plan=plan, territory=territory, form=form)
        return context

    def post(self, request, *args, **kwargs):
        plan = self.get_plan()
        territory = self.get_territory(plan)
        if request.POST.get("delete") and territory is not None:
            try:
                services.territory_delete(territory=territory, actor=request.user)
            except DomainError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, f"Territory {territory.name} deleted.")
            return redirect(_plan_url(self.access, plan.pk))
        form = TerritoryForm(request.POST, sellers=self._sellers())
        if form.is_valid():
            # A typo in a named account matched nothing and saved silently: say which ids are unknown.
            unknown = selectors.unknown_account_ids(form.rules().get("accounts", []))
            if unknown:
                form.add_error("accounts", f"no account with external id {', '.join(unknown)}")
        if form.is_valid():
            owner_id = form.cleaned_data["owner"]
            owner = Seller.objects.filter(pk=owner_id).first() if owner_id else None
            try:
                saved = services.territory_save(plan=plan, territory=territory, name=form.cleaned_data["name"],
                                                rules=form.rules(), owner=owner, region=form.cleaned_data["region"],
                                                precedence=form.cleaned_data["precedence"], actor=request.user)
            except DomainError as exc:
                add_service_error(form, exc.message.replace("rules.", "", 1) if exc.field == "rules.segments" else exc.message)
            else:
                messages.success(request, f"Territory {saved.name} saved. Evaluate the plan to see its accounts.")
                return redirect(_plan_url(self.access, plan.pk))
        return self.render_to_response(self.get_context_data(form=form))


class TerritoryPlanCompareView(TenantTemplateView):
    """Two plans side by side: figures, potential per seller, accounts that change territory."""

    template_name = "planning/territories/compare.html"
    capability = VIEW

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        plans = list(selectors.plan_list())
        context["plans"] = plans

        def pick(key):
            try:
                pk = int(self.request.GET.get(key) or 0)
            except ValueError:
                return None
            return next((p for p in plans if p.pk == pk), None)

        left, right = pick("a"), pick("b")
        context.update(left=left, right=right)
        if left is None or right is None:
            return context
        frame = selectors.accounts_frame()
        results = [selectors.plan_evaluation(p, frame=frame) for p in (left, right)]
        ids = visible_seller_ids(self.access)
        names = dict(Seller.objects.filter(pk__in={s.owner_id for r in results for s in r.specs if s.owner_id})
                     .values_list("id", "name"))
        per_seller = []
        for r in results:
            per_seller.append({names.get(k, str(k)): v for k, v in r.seller_potential.items() if ids is None or k in ids})
        owner = [{s.id: s.owner_id for s in r.specs} for r in results]
        seller_of = [[owner[i].get(t) for t in r.evaluation.territory.tolist()] for i, r in enumerate(results)]
        changed = sum(1 for a, b in zip(*seller_of, strict=True) if a != b)
        context.update(
            columns=[{"plan": p, "summary": r.summary(), "territories": len(r.specs), "short": len(r.short)}
                     for p, r in zip((left, right), results, strict=True)],
            changed_owner=changed, chart=charts.seller_potential_bars(left.name, per_seller[0], right.name, per_seller[1]),
            currency=self.access.tenant.base_currency,
        )
        return context


class AccountImportView(TenantTemplateView):
    template_name = "planning/territories/account_import.html"
    capability = EDIT

    def get_context_data(self, form=None, report=None, **kwargs):
        context = super().get_context_data(**kwargs)
        context.update(form=form or AccountImportForm(), report=report)
        return context

    def post(self, request, *args, **kwargs):
        form = AccountImportForm(request.POST, request.FILES)
        report = None
        if form.is_valid():
            upload = form.cleaned_data["file"]
            report = accounts_import(data=upload.read(), actor=request.user, source=upload.name)
            if report.ok:
                messages.success(request, f"{upload.name}: {report.rows} rows, {report.created} created, "
                                          f"{report.updated} updated, {report.unchanged} unchanged.")
            else:
                messages.error(request, f"{upload.name}: {report.error_count} error(s); nothing was imported.")
        return self.render_to_response(self.get_context_data(form=form, report=report))
