"""The product's URLs plus ``/bench/trivial``: a JsonResponse through the same middleware and gunicorn, so a
page's throughput can be quoted as a share of what the server itself can do in the same run."""

from django.http import JsonResponse
from django.urls import path

from repairnet.urls import urlpatterns as product


def trivial(request):
    return JsonResponse({"ok": True})


urlpatterns = [path("bench/trivial", trivial), *product]
handler403 = "repairnet.views.error_403"
handler404 = "repairnet.views.error_404"
handler500 = "repairnet.views.error_500"
