from django.urls import path

from mysite.views import my_view

urlpatterns = [
    path("token/", my_view),
]
