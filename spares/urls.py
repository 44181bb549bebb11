app_name = "spares"

urlpatterns = []
