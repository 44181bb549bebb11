app_name = "stations"

urlpatterns = []
