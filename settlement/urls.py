app_name = "settlement"

urlpatterns = []
