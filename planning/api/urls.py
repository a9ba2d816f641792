"""Plan pillar API routes, included under /api/v1/t/<tenant>/ by spm/urls.py."""

from rest_framework.routers import SimpleRouter

from planning.api import views
from planning.territories import api as territory_api

router = SimpleRouter()
router.register("sellers", views.SellerViewSet, basename="api-seller")
router.register("accounts", views.AccountViewSet, basename="api-account")
router.register("territories", territory_api.TerritoryViewSet, basename="api-territory")
router.register("territory-plans", territory_api.TerritoryPlanViewSet, basename="api-territory-plan")
router.register("territory-moves", territory_api.TerritoryMoveViewSet, basename="api-territory-move")
router.register("quotas", views.QuotaViewSet, basename="api-quota")

urlpatterns = router.urls

from planning.capacity.api import CapacityScenarioViewSet, QuotaSetViewSet  # noqa: E402

router.register("capacity-scenarios", CapacityScenarioViewSet, basename="api-capacity-scenario")
router.register("quota-sets", QuotaSetViewSet, basename="api-quota-set")
urlpatterns = router.urls
