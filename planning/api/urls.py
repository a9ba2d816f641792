"""Plan pillar API routes, included under /api/v1/t/<tenant>/ by spm/urls.py."""

from rest_framework.routers import SimpleRouter

from planning.api import views

router = SimpleRouter()
router.register("sellers", views.SellerViewSet, basename="api-seller")
router.register("accounts", views.AccountViewSet, basename="api-account")
router.register("territories", views.TerritoryViewSet, basename="api-territory")
router.register("quotas", views.QuotaViewSet, basename="api-quota")

urlpatterns = router.urls
